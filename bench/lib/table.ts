import type { SuiteResult } from './result';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  loadAverage: number[];
}

export interface Recorded extends SuiteResult {
  finishedAt: string;
  seconds: number;
  quick: boolean;
  machine: Machine;
  error?: string;
}

function formatNumber(n: number | undefined): string {
  if (n === undefined || Number.isNaN(n)) return '–';
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return String(Math.round(n * 100) / 100);
}

/** The Markdown table of the newest result of every suite. */
export function renderTable(results: Recorded[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const m = r.machine;
    lines.push(`**${r.title}** (\`${r.suite}\`, ${r.finishedAt.slice(0, 10)}, ${m.cores} × ${m.cpu}, Node ${m.node}${r.quick ? ', quick run' : ''})`, '');
    if (r.error) {
      lines.push(`Failed: ${r.error}`, '');
      continue;
    }
    lines.push('| measure | value | bare baseline | ratio | target | met |', '|---|---|---|---|---|---|');
    for (const row of r.rows) {
      const value = `${formatNumber(row.value)} ${row.unit}`;
      const baseline = row.baseline === undefined ? '–' : `${formatNumber(row.baseline)} ${row.unit}`;
      const ratio = row.ratio === undefined ? '–' : `${formatNumber(row.ratio)}×`;
      const met = row.pass === undefined ? '–' : row.pass ? 'yes' : '**no**';
      lines.push(`| ${row.name}${row.note ? ` (${row.note})` : ''} | ${value} | ${baseline} | ${ratio} | ${row.target ?? '–'} | ${met} |`);
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}
