import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { CampaignReport, ReportGroupRow, StatusCounts } from '@chunfeng/shared/campaignReport';
import { download } from '../../signalling/api';
import { Button } from '../../ui/Button';
import { CONTENT_LANG } from '../../ui/content';
import { Cell, DataTable, Row } from '../../ui/DataTable';
import { formatDate, formatTime } from '../../ui/format';
import { useToast } from '../../ui/Toast';
import { useDocumentTitle } from '../../ui/useDocumentTitle';
import { problemText } from './forms';
import { useApiData } from './useApiData';
import './campaignReport.css';

const STATUSES = ['new', 'contacted', 'interviewing', 'hired', 'not-suitable', 'withdrawn'] as const;
/** The follow-up each breakdown (group, sector, district, employer) shows beside its applications. */
const FOLLOW_UP = ['contacted', 'interviewing', 'hired'] as const;

/**
 * The campaign summary (活动总结): the figures of the XLSX workbook on one page that prints on A4
 * without the console around it (campaignReport.css). Both come from GET /api/campaigns/:id/report.
 */
export function CampaignReportPage({ campaignId }: { campaignId: string }) {
  const { t, i18n } = useTranslation();
  const toast = useToast();
  const path = `/campaigns/${encodeURIComponent(campaignId)}/report`;
  const { data, error } = useApiData<CampaignReport>(path);
  const [busy, setBusy] = useState(false);
  useDocumentTitle(data ? t('report.heading', { campaign: data.campaign.name }) : t('report.title'));
  if (error !== undefined && !data) return <p role="alert">{problemText(error, t)}</p>;
  if (!data) return <p role="status">{t('state.loading')}</p>;

  const n = new Intl.NumberFormat(i18n.language);
  const share = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 1 });
  const of = (count: number): string => (data.totals.applications === 0 ? '–' : share.format(count / data.totals.applications));
  const name = (s: string): string => (s === '' ? t('report.none') : s);
  const lang = i18n.language === 'en' ? 'en' : 'zh-CN';
  async function downloadWorkbook(): Promise<void> {
    setBusy(true);
    try {
      await download(`${path}.xlsx?lang=${lang}`, { filename: `${t('report.title')}-${data!.campaign.name}.xlsx` });
    } catch (e) {
      toast.show(problemText(e, t), { tone: 'error' });
    } finally {
      setBusy(false);
    }
  }
  const totals = data.totals;
  const kpis: Array<[string, number]> = [
    [t('report.sessions'), totals.sessions],
    [t('report.sessionsHeld'), totals.sessionsHeld],
    [t('report.peakViewers'), totals.peakViewers],
    [t('report.sumOfPeaks'), totals.sumOfPeaks],
    [t('report.uniqueViewers'), totals.uniqueViewers],
    [t('report.employers'), totals.employers],
    [t('report.vacancies'), totals.vacancies],
    [t('report.headcount'), totals.headcount],
    [t('report.love'), totals.love],
    [t('report.publicWelfare'), totals.publicWelfare],
    [t('report.applications'), totals.applications],
    ...STATUSES.map((s): [string, number] => [t(`status.${s}`), totals.byStatus[s]]),
  ];
  const followUpColumns = FOLLOW_UP.map((s) => t(`status.${s}`));
  const followUpCells = (byStatus: StatusCounts) =>
    FOLLOW_UP.map((st) => (
      <Cell key={st} label={t(`status.${st}`)}>{n.format(byStatus[st])}</Cell>
    ));
  const groupTable = (caption: string, heading: string, rows: ReportGroupRow[]) => (
    <section className="report-block" aria-label={caption}>
      <h3>{caption}</h3>
      <DataTable caption={caption} columns={[heading, t('report.sessions'), t('report.employers'), t('report.vacancies'), t('report.applications'), ...followUpColumns]}>
        {rows.map((r) => (
          <Row key={r.name}>
            <Cell label={heading}><span lang={CONTENT_LANG}>{name(r.name)}</span></Cell>
            <Cell label={t('report.sessions')}>{n.format(r.sessions)}</Cell>
            <Cell label={t('report.employers')}>{n.format(r.employers)}</Cell>
            <Cell label={t('report.vacancies')}>{n.format(r.vacancies)}</Cell>
            <Cell label={t('report.applications')}>{n.format(r.applications)}</Cell>
            {followUpCells(r.byStatus)}
          </Row>
        ))}
      </DataTable>
    </section>
  );

  return (
    <article className="campaign-report" aria-labelledby="report-title">
      <div className="report-actions">
        <Link href="/admin/campaigns">{t('report.backToCampaigns')}</Link>
        <div>
          <Button variant="primary" busy={busy} onClick={() => void downloadWorkbook()}>
            {t('report.download')}
          </Button>
          <Button onClick={() => window.print()}>{t('report.print')}</Button>
        </div>
      </div>
      <header className="report-head">
        <p className="report-bureau" lang={CONTENT_LANG}>{data.bureau}</p>
        <h2 id="report-title">
          <span lang={CONTENT_LANG}>{data.campaign.name}</span> · {t('report.title')}
        </h2>
        <p className="muted">
          {t('report.dates', { from: formatDate(data.campaign.startsOn, i18n.language), to: formatDate(data.campaign.endsOn, i18n.language) })} ·{' '}
          {t('report.generated', { at: formatTime(data.generatedAt, i18n.language) })}
        </p>
      </header>

      <section className="report-block" aria-labelledby="report-overview">
        <h3 id="report-overview">{t('report.overview')}</h3>
        <dl className="kpis report-kpis">
          {kpis.map(([label, value]) => (
            <div key={label} className="kpi">
              <dt>{label}</dt>
              <dd>{n.format(value)}</dd>
            </div>
          ))}
        </dl>
        <p className="muted report-note">{t(totals.uniqueViewersApproximate ? 'report.uniqueApproximate' : 'report.uniqueExact')}</p>
      </section>

      <section className="report-block" aria-label={t('report.bySession')}>
        <h3>{t('report.bySession')}</h3>
        <DataTable caption={t('report.bySession')} columns={[t('report.session'), t('report.when'), t('report.sector'), t('report.district'), t('report.peakViewers'), t('report.uniqueViewers'), t('report.applications'), ...STATUSES.map((s) => t(`status.${s}`))]}>
          {data.sessions.map((s) => (
            <Row key={s.id}>
              <Cell label={t('report.session')}><span lang={CONTENT_LANG}>{s.title}</span></Cell>
              <Cell label={t('report.when')}>{formatTime(s.scheduledAt, i18n.language)}</Cell>
              <Cell label={t('report.sector')}><span lang={CONTENT_LANG}>{s.sectors.map(name).join('、')}</span></Cell>
              <Cell label={t('report.district')}><span lang={CONTENT_LANG}>{s.districts.map(name).join('、')}</span></Cell>
              <Cell label={t('report.peakViewers')}>{n.format(s.peakViewers)}</Cell>
              <Cell label={t('report.uniqueViewers')}>{n.format(s.uniqueViewers)}</Cell>
              <Cell label={t('report.applications')}>{n.format(s.applications)}</Cell>
              {STATUSES.map((st) => (
                <Cell key={st} label={t(`status.${st}`)}>{n.format(s.byStatus[st])}</Cell>
              ))}
            </Row>
          ))}
        </DataTable>
      </section>

      {groupTable(t('report.bySector'), t('report.sector'), data.bySector)}
      {groupTable(t('report.byDistrict'), t('report.district'), data.byDistrict)}

      <section className="report-block" aria-label={t('report.byGroup')}>
        <h3>{t('report.byGroup')}</h3>
        <DataTable caption={t('report.byGroup')} columns={[t('report.group'), t('report.applications'), t('report.share'), ...followUpColumns]}>
          {data.byTargetGroup.map((g) => (
            <Row key={g.group}>
              <Cell label={t('report.group')}>{g.group === 'unspecified' ? t('admin.stats.unspecified') : t(`card.target.${g.group}`)}</Cell>
              <Cell label={t('report.applications')}>{n.format(g.count)}</Cell>
              <Cell label={t('report.share')}>{of(g.count)}</Cell>
              {followUpCells(g.byStatus)}
            </Row>
          ))}
        </DataTable>
      </section>

      <section className="report-block" aria-label={t('report.byEmployer')}>
        <h3>{t('report.byEmployer')}</h3>
        <DataTable caption={t('report.byEmployer')} columns={[t('report.employer'), t('report.sector'), t('report.district'), t('report.vacancies'), t('report.love'), t('report.publicWelfare'), t('report.headcount'), t('report.applications'), ...followUpColumns]}>
          {data.byEmployer.map((e) => (
            <Row key={e.employerId || '-'}>
              <Cell label={t('report.employer')}><span lang={CONTENT_LANG}>{name(e.name)}</span></Cell>
              <Cell label={t('report.sector')}><span lang={CONTENT_LANG}>{name(e.industry)}</span></Cell>
              <Cell label={t('report.district')}><span lang={CONTENT_LANG}>{name(e.district)}</span></Cell>
              <Cell label={t('report.vacancies')}>{n.format(e.vacancies)}</Cell>
              <Cell label={t('report.love')}>{n.format(e.love)}</Cell>
              <Cell label={t('report.publicWelfare')}>{n.format(e.publicWelfare)}</Cell>
              <Cell label={t('report.headcount')}>{n.format(e.headcount)}</Cell>
              <Cell label={t('report.applications')}>{n.format(e.applications)}</Cell>
              {followUpCells(e.byStatus)}
            </Row>
          ))}
        </DataTable>
      </section>

      <section className="report-block" aria-label={t('report.topVacancies')}>
        <h3>{t('report.topVacancies')}</h3>
        <DataTable caption={t('report.topVacancies')} columns={[t('report.vacancy'), t('report.employer'), t('report.district'), t('report.badges'), t('report.applications')]}>
          {data.topVacancies.map((v) => (
            <Row key={v.vacancyId}>
              <Cell label={t('report.vacancy')}><span lang={CONTENT_LANG}>{v.title}</span></Cell>
              <Cell label={t('report.employer')}><span lang={CONTENT_LANG}>{name(v.employer)}</span></Cell>
              <Cell label={t('report.district')}><span lang={CONTENT_LANG}>{name(v.district)}</span></Cell>
              <Cell label={t('report.badges')}>{[v.love && t('card.badge.love'), v.publicWelfare && t('card.badge.public-welfare')].filter(Boolean).join('、')}</Cell>
              <Cell label={t('report.applications')}>{n.format(v.count)}</Cell>
            </Row>
          ))}
        </DataTable>
      </section>

      <section className="report-block" aria-label={t('report.bySource')}>
        <h3>{t('report.bySource')}</h3>
        <DataTable caption={t('report.bySource')} columns={[t('report.source'), t('report.applications'), t('report.share')]}>
          {data.bySource.map((s) => (
            <Row key={s.source}>
              <Cell label={t('report.source')}>{t(`applySource.${s.source}`)}</Cell>
              <Cell label={t('report.applications')}>{n.format(s.count)}</Cell>
              <Cell label={t('report.share')}>{of(s.count)}</Cell>
            </Row>
          ))}
        </DataTable>
      </section>

      <section className="report-block" aria-label={t('report.trend')}>
        <h3>{t('report.trend')}</h3>
        <DataTable caption={t('report.trend')} columns={[t('report.day'), t('report.sessions'), t('report.peakViewers'), t('report.applications'), t('report.uniqueViewers')]}>
          {data.trend.map((d) => (
            <Row key={d.day}>
              <Cell label={t('report.day')}>{formatDate(d.day, i18n.language)}</Cell>
              <Cell label={t('report.sessions')}>{n.format(d.sessions)}</Cell>
              <Cell label={t('report.peakViewers')}>{n.format(d.peakViewers)}</Cell>
              <Cell label={t('report.applications')}>{n.format(d.applications)}</Cell>
              <Cell label={t('report.uniqueViewers')}>{n.format(d.uniqueViewers)}</Cell>
            </Row>
          ))}
        </DataTable>
      </section>
    </article>
  );
}
