import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart as ChartJs,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { CONTENT_LANG } from './content';

ChartJs.register(BarController, BarElement, CategoryScale, Filler, LinearScale, LineController, LineElement, PointElement, Tooltip);

export interface ChartSeries {
  label: string;
  data: number[];
}

export interface ChartProps {
  kind: 'line' | 'bar';
  /** Names the figure (its caption) and the canvas. */
  title: string;
  labels: string[];
  series: ChartSeries[];
  /** Bars along the vertical axis, for long labels such as vacancy titles. */
  horizontal?: boolean;
  /** The labels are content in Chinese (vacancy titles), not interface text. */
  contentLabels?: boolean;
}

const PALETTE = ['--color-brand', '--color-chart-2', '--color-chart-3'];

function tokenColour(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#b91c1c';
}

/**
 * A chart with its numbers: the canvas is for sighted readers, and the same data is always one tap
 * away as a table (screen readers get the table, and the canvas is named by its caption).
 */
export function Chart({ kind, title, labels, series, horizontal = false, contentLabels = false }: ChartProps) {
  const { t, i18n } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const number = new Intl.NumberFormat(i18n.language);

  useEffect(() => {
    if (!canvas.current || labels.length === 0) return;
    const reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    const ink = tokenColour('--color-ink');
    const config: ChartConfiguration<'line' | 'bar'> = {
      type: kind,
      data: {
        labels,
        datasets: series.map((s, i) => {
          const colour = tokenColour(PALETTE[i % PALETTE.length]!);
          return { label: s.label, data: s.data, borderColor: colour, backgroundColor: kind === 'line' ? `${colour}33` : colour, fill: kind === 'line', tension: 0, pointRadius: 2, maxBarThickness: 40 };
        }),
      },
      options: {
        animation: reduced ? false : { duration: 300 },
        maintainAspectRatio: false,
        indexAxis: horizontal ? 'y' : 'x',
        locale: i18n.language,
        plugins: { legend: { display: false }, tooltip: { enabled: true } },
        scales: {
          x: { ticks: { color: ink, maxRotation: 0, autoSkip: true, precision: 0 }, beginAtZero: true },
          y: { ticks: { color: ink, precision: 0 }, beginAtZero: true },
        },
      },
    };
    const chart = new ChartJs(canvas.current, config);
    return () => chart.destroy();
  }, [kind, labels, series, horizontal, i18n.language]);

  const height = horizontal ? Math.max(8, labels.length * 2.25) : 14;
  return (
    <figure className="chart">
      <figcaption className="chart-title">{title}</figcaption>
      {labels.length === 0 ? (
        <p className="muted">{t('chart.empty')}</p>
      ) : (
        <>
          <div className="chart-canvas" style={{ height: `${height}rem` }}>
            <canvas ref={canvas} role="img" aria-label={title} />
          </div>
          <details className="chart-data">
            <summary>{t('chart.showTable')}</summary>
            <table className="data-table">
              <caption className="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('chart.item')}</th>
                  {series.map((s) => (
                    <th key={s.label} scope="col">
                      {s.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {labels.map((label, row) => (
                  <tr key={`${label}-${row}`}>
                    <th scope="row" lang={contentLabels ? CONTENT_LANG : undefined}>
                      {label}
                    </th>
                    {series.map((s) => (
                      <td key={s.label}>{number.format(s.data[row] ?? 0)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </figure>
  );
}
