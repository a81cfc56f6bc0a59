import { useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { ApplicationBreakdown, CampaignStatistics as CampaignStats, SessionStatistics as SessionStats } from '@chunfeng/shared/statistics';
import { Button } from '../../ui/Button';
import { Chart } from '../../ui/Chart';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatTime } from '../../ui/format';
import { problemText } from './forms';
import { useApiData } from './useApiData';

const LIVE_REFRESH_MS = 15_000;

/** A statistics document, read again every 15 s while `live(data)` holds, and on demand. */
function useStatistics<T>(path: string, live: (data: T) => boolean) {
  const { data, error, reload } = useApiData<T>(path);
  const isLive = data !== undefined && live(data);
  useEffect(() => {
    if (!isLive) return;
    const timer = setInterval(() => void reload(), LIVE_REFRESH_MS);
    return () => clearInterval(timer);
  }, [isLive, reload]);
  return { data, error, load: reload };
}

function Header({ title, backHref, backLabel, onRefresh }: { title: string; backHref: string; backLabel: string; onRefresh: () => void }) {
  const { t } = useTranslation();
  return (
    <>
      <p>
        <Link href={backHref}>{backLabel}</Link>
      </p>
      <div className="studio-header">
        <h2>
          {t('admin.statisticsOf')} <span lang={CONTENT_LANG}>{title}</span>
        </h2>
        <Button size="small" onClick={onRefresh}>
          {t('admin.refresh')}
        </Button>
      </div>
    </>
  );
}

function Numbers({ items }: { items: Array<{ label: string; value: number }> }) {
  const { i18n } = useTranslation();
  const n = new Intl.NumberFormat(i18n.language);
  return (
    <dl className="kpis">
      {items.map((i) => (
        <div key={i.label} className="kpi">
          <dt>{i.label}</dt>
          <dd>{n.format(i.value)}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Applications per vacancy, by target group and by source: the three charts both pages share. */
function ApplicationCharts({ applications }: { applications: ApplicationBreakdown }) {
  const { t } = useTranslation();
  const perVacancy = useMemo(
    () => ({ labels: applications.byVacancy.map((v) => `${v.title} · ${v.employer}`), series: [{ label: t('admin.stats.applications'), data: applications.byVacancy.map((v) => v.count) }] }),
    [applications, t],
  );
  const byGroup = useMemo(
    () => ({
      labels: applications.byTargetGroup.map((g) => (g.group === 'unspecified' ? t('admin.stats.unspecified') : t(`card.target.${g.group}`))),
      series: [{ label: t('admin.stats.applications'), data: applications.byTargetGroup.map((g) => g.count) }],
    }),
    [applications, t],
  );
  const bySource = useMemo(
    () => ({ labels: applications.bySource.map((s) => t(`applySource.${s.source}`)), series: [{ label: t('admin.stats.applications'), data: applications.bySource.map((s) => s.count) }] }),
    [applications, t],
  );
  // Viewers and applications each share channel brought, side by side (older documents have none).
  const byChannel = useMemo(() => {
    const channels = applications.byChannel ?? [];
    return {
      labels: channels.map((c) => t(`shareChannel.${c.channel}`)),
      series: [
        { label: t('shareStats.viewers'), data: channels.map((c) => c.viewers) },
        { label: t('shareStats.applications'), data: channels.map((c) => c.applications) },
      ],
    };
  }, [applications, t]);
  return (
    <div className="chart-grid">
      <Chart kind="bar" horizontal contentLabels title={t('admin.stats.perVacancy')} {...perVacancy} />
      <Chart kind="bar" title={t('admin.stats.byGroup')} {...byGroup} />
      <Chart kind="bar" title={t('admin.stats.bySource')} {...bySource} />
      <Chart kind="bar" title={t('shareStats.byChannel')} {...byChannel} />
    </div>
  );
}

export function SessionStatistics({ sessionId }: { sessionId: string }) {
  const { t, i18n } = useTranslation();
  const { data, error, load } = useStatistics<SessionStats>(`/statistics/sessions/${encodeURIComponent(sessionId)}`, (d) => d.session.status === 'live');
  const viewers = useMemo(
    () => ({
      labels: (data?.viewers ?? []).map((v) => new Intl.DateTimeFormat(i18n.language, { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(v.at))),
      series: [{ label: t('admin.stats.viewers'), data: (data?.viewers ?? []).map((v) => v.viewers) }],
    }),
    [data, i18n.language, t],
  );
  if (error !== undefined && !data) return <p role="alert">{problemText(error, t)}</p>;
  if (!data) return <p role="status">{t('state.loading')}</p>;
  const withdrawn = data.applications.byStatus.find((s) => s.status === 'withdrawn')?.count ?? 0;
  return (
    <section className="admin-stack" aria-label={t('admin.statistics')}>
      <Header title={data.session.title} backHref="/admin" backLabel={t('admin.backToSessions')} onRefresh={() => void load()} />
      <p className="muted">
        {t(`admin.sessionStatus.${data.session.status}`)} · {formatTime(data.session.scheduledAt, i18n.language)}
      </p>
      <Numbers
        items={[
          { label: t('admin.stats.peakViewers'), value: data.session.peakViewers },
          { label: t(data.uniqueViewers.approximate ? 'admin.stats.uniqueViewersApprox' : 'admin.stats.uniqueViewers'), value: data.uniqueViewers.count },
          { label: t('admin.stats.applications'), value: data.applications.total },
          { label: t('admin.stats.withdrawn'), value: withdrawn },
        ]}
      />
      <Chart kind="line" title={t('admin.stats.viewersOverTime')} {...viewers} />
      <ApplicationCharts applications={data.applications} />
    </section>
  );
}

export function CampaignStatistics({ campaignId }: { campaignId: string }) {
  const { t, i18n } = useTranslation();
  const { data, error, load } = useStatistics<CampaignStats>(`/statistics/campaigns/${encodeURIComponent(campaignId)}`, (d) => d.sessions.some((s) => s.status === 'live'));
  const perSession = useMemo(
    () => ({
      labels: (data?.sessions ?? []).map((s) => s.title),
      series: [
        { label: t('admin.stats.peakViewers'), data: (data?.sessions ?? []).map((s) => s.peakViewers) },
        { label: t('admin.stats.applications'), data: (data?.sessions ?? []).map((s) => s.applications) },
      ],
    }),
    [data, t],
  );
  if (error !== undefined && !data) return <p role="alert">{problemText(error, t)}</p>;
  if (!data) return <p role="status">{t('state.loading')}</p>;
  return (
    <section className="admin-stack" aria-label={t('admin.statistics')}>
      <Header title={data.campaign.name} backHref="/admin/campaigns" backLabel={t('admin.backToCampaigns')} onRefresh={() => void load()} />
      <Numbers
        items={[
          { label: t('admin.stats.sessions'), value: data.sessions.length },
          { label: t('admin.stats.peakViewers'), value: data.sessions.reduce((m, s) => Math.max(m, s.peakViewers), 0) },
          { label: t(data.uniqueViewers.approximate ? 'admin.stats.uniqueViewersApprox' : 'admin.stats.uniqueViewers'), value: data.uniqueViewers.count },
          { label: t('admin.stats.applications'), value: data.applications.total },
        ]}
      />
      <Chart kind="bar" contentLabels title={t('admin.stats.perSession')} {...perSession} />
      <ApplicationCharts applications={data.applications} />
      {data.sessions.length > 0 && (
        <DataTable stacked caption={t('admin.sessions')} columns={[t('admin.session'), t('admin.when'), t('admin.status'), t('admin.stats.peakViewers'), t('admin.stats.uniqueViewers'), t('admin.stats.applications')]}>
          {data.sessions.map((s) => (
            <Row key={s.id}>
              <Cell label={t('admin.session')}><span lang={CONTENT_LANG}>
                <Link href={`/admin/statistics/sessions/${encodeURIComponent(s.id)}`}>{s.title}</Link>
              </span></Cell>
              <Cell label={t('admin.when')}>{formatTime(s.scheduledAt, i18n.language)}</Cell>
              <Cell label={t('admin.status')}>{t(`admin.sessionStatus.${s.status}`)}</Cell>
              <Cell label={t('admin.stats.peakViewers')}>{s.peakViewers}</Cell>
              <Cell label={t('admin.stats.uniqueViewers')}>{s.uniqueViewers}</Cell>
              <Cell label={t('admin.stats.applications')}>{s.applications}</Cell>
            </Row>
          ))}
        </DataTable>
      )}
    </section>
  );
}
