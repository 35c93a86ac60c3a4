// perf-ci's Markdown summary and self-contained HTML page (inline SVG, no external assets).
import type { Figure } from '../bench/figures.js';
import { fmt } from '../bench/figures.js';
import { esc } from '../src/lib/svg.js';

export interface Row {
  figure: Figure;
  threshold: { target: number; op?: '>=' | '<='; source: string } | undefined;
  met: boolean | undefined;
  previous: number | undefined;
  change: number | undefined;
  regressed: boolean;
  gated: boolean;
  targetGated: boolean;
  noise: number;
}

function status(r: Row): string {
  if (r.regressed) return r.gated ? 'REGRESSED' : 'regressed (not gated)';
  if (r.met === false) return r.targetGated ? 'MISSED' : 'missed (reported, not gated)';
  if (r.met === true) return 'met';
  return '—';
}

const pct = (x: number | undefined): string =>
  x === undefined ? '—' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

export function markdownSummary(
  mode: string,
  machine: Record<string, unknown>,
  rows: Row[],
  failures: Array<{ case: string; error: string }>,
): string {
  const lines = [
    `# perf-ci (${mode})`,
    '',
    `Machine: ${Object.entries(machine)
      .map(([k, v]) => `${k} ${String(v)}`)
      .join(', ')}`,
    '',
    '| figure | value | same-run baseline | target | vs previous | status |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const f = r.figure;
      const base = f.baseline
        ? `${f.baseline.label}: ${fmt(f.baseline.value)} ${f.baseline.unit}`
        : '—';
      const target = r.threshold
        ? `${r.threshold.op ?? (f.higherIsBetter ? '≥' : '≤')} ${fmt(r.threshold.target)}`
        : '—';
      return `| ${f.label} (\`${f.id}\`) | ${fmt(f.value)} ${f.unit} | ${base} | ${target.replace('>=', '≥').replace('<=', '≤')} | ${pct(r.change)} | ${status(r)} |`;
    }),
    '',
    ...failures.map((x) => `- case **${x.case}** failed: ${x.error}`),
  ];
  return lines.join('\n') + '\n';
}

/** A horizontal bar of value against target (and previous), scaled to the larger of them. */
function bar(r: Row): string {
  const f = r.figure;
  const max = Math.max(f.value, r.threshold?.target ?? 0, r.previous ?? 0) * 1.1 || 1;
  const x = (v: number): number => (300 * v) / max;
  const colour = r.met === false || r.regressed ? '#d9534f' : '#2e8b57';
  const parts = [
    `<rect x="0" y="4" width="${x(f.value).toFixed(1)}" height="14" fill="${colour}"/>`,
  ];
  if (r.threshold)
    parts.push(
      `<line x1="${x(r.threshold.target).toFixed(1)}" x2="${x(r.threshold.target).toFixed(1)}" y1="0" y2="22" stroke="#000" stroke-width="2"><title>target ${fmt(r.threshold.target)}</title></line>`,
    );
  if (r.previous !== undefined)
    parts.push(
      `<circle cx="${x(r.previous).toFixed(1)}" cy="11" r="4" fill="#555"><title>previous ${fmt(r.previous)}</title></circle>`,
    );
  return `<svg width="310" height="22" role="img">${parts.join('')}</svg>`;
}

function sparkline(values: number[]): string {
  if (values.length < 2) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pts = values.map(
    (v, i) =>
      `${((160 * i) / (values.length - 1)).toFixed(1)},${(20 - (18 * (v - min)) / (max - min || 1)).toFixed(1)}`,
  );
  return `<svg width="160" height="22" role="img"><polyline fill="none" stroke="#337ab7" stroke-width="1.5" points="${pts.join(' ')}"/></svg>`;
}

export function htmlReport(
  mode: string,
  machine: Record<string, unknown>,
  rows: Row[],
  history: Array<{ at: string; figures: Record<string, number> }>,
): string {
  const body = rows
    .map((r) => {
      const f = r.figure;
      const series = [
        ...history.map((h) => h.figures[f.id]).filter((v): v is number => v !== undefined),
        f.value,
      ];
      return `<tr><td>${esc(f.label)}<br><code>${esc(f.id)}</code></td><td class="n">${fmt(f.value)} ${esc(f.unit)}</td>
<td>${f.baseline ? `${esc(f.baseline.label)}: ${fmt(f.baseline.value)} ${esc(f.baseline.unit)}` : '—'}</td>
<td>${bar(r)}</td><td>${sparkline(series)}</td><td class="n">${pct(r.change)}</td><td>${esc(status(r))}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>wflg perf-ci (${mode})</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border-bottom:1px solid #ddd;padding:6px 10px;vertical-align:middle}.n{text-align:right;font-variant-numeric:tabular-nums}</style></head>
<body><h1>wflg perf-ci (${mode})</h1><p>${esc(
    Object.entries(machine)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(' · '),
  )}</p>
<p>Bars: this run (green met / red missed or regressed), black line = DESIGN §4 target, grey dot = previous recorded run. Sparkline: recorded history.</p>
<table><tr><th>figure</th><th>value</th><th>same-run baseline</th><th>vs target</th><th>history</th><th>vs previous</th><th>status</th></tr>
${body}</table></body></html>
`;
}
