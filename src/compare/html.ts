// The HTML fidelity report: one self-contained page (inline CSS and SVG, no scripts, no remote
// assets) with the verdict, the overall metrics, every family worst first, and for the worst
// matched families an intensity overlay (A vs B on the common relative-time grid) and a value CDF
// overlay.
import { esc, fmt, lineChart } from '../lib/svg.js';
import { cdfPoints } from './distributions.js';
import { valueQuantiles, type CompareOutcome, type FamilyResult } from './compare.js';
import { formatValue, LABEL, pct, SHORT } from './format.js';
import { FAMILY_METRICS, GLOBAL_METRICS, METRIC_HELP, type FamilyMetric } from './thresholds.js';

/** Plots are drawn for this many matched families (worst first) to keep the page light. */
const PLOTTED = 40;

const duration = (s: number): string =>
  Math.abs(s) >= 2 * 86400
    ? `${fmt(s / 86400, 1)} d`
    : Math.abs(s) >= 7200
      ? `${fmt(s / 3600, 1)} h`
      : Math.abs(s) >= 120
        ? `${fmt(s / 60, 1)} min`
        : `${fmt(s, 1)} s`;

function metricCell(m: FamilyMetric, f: FamilyResult): string {
  const x = f.metrics[m];
  if (!x) return '<td></td>';
  return `<td class="${x.status === 'n/a' ? 'na' : x.status}" title="${esc(x.detail)}">${esc(formatValue(m, x.value))}</td>`;
}

function familySection(o: CompareOutcome, f: FamilyResult): string {
  const row = o.rows.get(f.key);
  const c = row?.curves;
  const a = row?.pair.a;
  const b = row?.pair.b;
  if (!c || !a || !b) return '';
  const at = (i: number) => c.startSec + (i + 0.5) * c.widthSec;
  // Only the stretch where either side has traffic: a family may live a day of a year's window.
  let first = c.a.length;
  let last = -1;
  for (let i = 0; i < c.a.length; i++)
    if (c.a[i]! > 0 || c.b[i]! > 0) {
      first = Math.min(first, i);
      last = i;
    }
  const span = (xs: Float64Array) =>
    Array.from(
      xs.subarray(Math.max(0, first - 1), last + 2),
      (v, i) => [at(i + Math.max(0, first - 1)), v] as const,
    );
  const intensity = lineChart(
    [
      { points: span(c.a), cls: 'a', label: 'A' },
      { points: span(c.b), cls: 'b', label: 'B' },
    ],
    {
      aria: `intensity ${f.name}`,
      xFormat: (x) => `+${duration(x)}`,
      caption: `lines/s, ${duration(c.widthSec)} grid`,
    },
  );
  const qa = valueQuantiles(a);
  const qb = valueQuantiles(b);
  const pa = qa ? cdfPoints(qa) : [];
  const pb = qb ? cdfPoints(qb) : [];
  const lo = Math.min(...pa.map(([x]) => x), ...pb.map(([x]) => x));
  const hi = Math.max(...pa.map(([x]) => x), ...pb.map(([x]) => x));
  const cdf =
    pa.length || pb.length
      ? lineChart(
          [
            { points: pa, cls: 'a', label: 'A', step: true },
            { points: pb, cls: 'b', label: 'B', step: true },
          ],
          {
            aria: `value CDF ${f.name}`,
            logX: lo > 0 && hi / lo > 100,
            caption: a.values
              ? `${a.values.model} value CDF`
              : a.span
                ? 'duration (ms) CDF'
                : 'centroid mean CDF',
          },
        )
      : '';
  return `<section class="family" id="f-${esc(f.key)}"><h3><span class="dot ${f.status}"></span>${esc(f.name)} <small>${f.kind} · ${esc(f.key)} · A ${f.linesA} lines · B ${f.linesB} lines</small></h3>
${f.findings.length ? `<ul>${f.findings.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}
<div class="plots">${intensity}${cdf}</div></section>`;
}

export function renderCompareHtml(o: CompareOutcome): string {
  const r = o.report;
  const side = (k: string, s: typeof r.a) =>
    `<tr><th>${k}</th><td><code>${esc(s.input)}</code></td><td>${s.origin}</td><td>${s.lines}</td><td>${s.families}</td><td>${s.requests}</td><td>${s.window.timeAxis}</td><td>${duration(s.window.seconds)}</td><td>${esc(s.run)}</td></tr>`;
  const overall = [...FAMILY_METRICS, ...GLOBAL_METRICS]
    .map((m) => {
      const x = r.overall[m];
      const bound =
        x.threshold === null
          ? 'not gating'
          : `${m === 'coverage' ? '≥' : '≤'} ${formatValue(m, x.threshold)}`;
      return `<tr><td><span class="dot ${x.status === 'n/a' ? 'na' : x.status}"></span>${LABEL[m]}</td><td class="${x.status === 'n/a' ? 'na' : x.status}">${esc(formatValue(m, x.value))}</td><td>${bound}</td><td class="l">${esc(x.detail)}</td><td class="l">${esc(METRIC_HELP[m])}</td></tr>`;
    })
    .join('\n');
  const rows = r.families
    .map(
      (f) =>
        `<tr><td><span class="dot ${f.status === 'n/a' ? 'na' : f.status}"></span><a href="#f-${esc(f.key)}">${esc(f.name)}</a></td><td>${f.kind}</td><td>${pct(f.shareA)}</td><td>${pct(f.shareB)}</td><td>${f.match}${f.gating ? '' : ' (small)'}</td>${FAMILY_METRICS.map((m) => metricCell(m, f)).join('')}<td class="l">${f.findings.map(esc).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const sections = r.families
    .filter((f) => f.match === 'same' || f.match === 'tags-changed')
    .slice(0, PLOTTED)
    .map((f) => familySection(o, f))
    .join('\n');
  const t = r.thresholds;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wflg compare — ${r.verdict}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px}h2{font-size:17px;margin-top:28px}h3{font-size:15px;margin:18px 0 4px}small{color:#666;font-weight:normal}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right;vertical-align:top}td:first-child,th:first-child,.l,th.l{text-align:left}
.green{background:#ebfbee}.amber{background:#fff3bf}.red{background:#ffe3e3}.na{color:#999}
.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:6px;background:#adb5bd}
.dot.green{background:#2f9e44}.dot.amber{background:#f59f00}.dot.red{background:#e03131}
.verdict{font-size:18px;font-weight:bold}.verdict.pass{color:#2b8a3e}.verdict.fail{color:#c92a2a}
.plot{background:#fafafa;margin:4px 12px 4px 0}.plot text{font-size:10px;fill:#555}.frame{fill:none;stroke:#ccc}
polyline{fill:none;stroke-width:1.6}polyline.a{stroke:#1c7ed6}polyline.b{stroke:#e8590c;stroke-dasharray:5 3}
text.a-label{fill:#1c7ed6}text.b-label{fill:#e8590c}.plots{display:flex;flex-wrap:wrap}
</style></head><body>
<h1>wflg compare: fidelity of B against A</h1>
<table><tr><th></th><th>input</th><th>from</th><th>lines</th><th>families</th><th>requests</th><th>time axis</th><th>window</th><th>run</th></tr>
${side('A', r.a)}
${side('B', r.b)}</table>
${r.options.timeScale !== 1 || r.options.multiplier !== 1 ? `<p>B generated with timeScale ${r.options.timeScale} and multiplier ${r.options.multiplier}: B’s time t is compared with A’s t / timeScale, B’s rates divided by the multiplier.</p>` : ''}
<p class="verdict ${r.verdict}">${r.verdict === 'pass' ? 'PASS — every metric within its threshold' : `FAIL — ${r.breaches.length} threshold breach${r.breaches.length === 1 ? '' : 'es'}`}</p>
${r.breaches.length ? `<ul>${r.breaches.map((b) => `<li>${esc(b.name)}: ${LABEL[b.metric]} ${esc(formatValue(b.metric, b.value))} (threshold ${esc(formatValue(b.metric, b.threshold))})</li>`).join('')}</ul>` : ''}
<p>Grades: green within ${100 * t.amber} % of a threshold, amber between that and the threshold, red beyond it (coverage: its shortfall from 100 % against the allowed shortfall). Families below ${pct(t.minFamilyShare)} of lines are marked “small” and do not fail the run.</p>
<h2>Overall</h2>
<table><tr><th>metric</th><th>value</th><th>threshold</th><th class="l">compared</th><th class="l">meaning</th></tr>
${overall}</table>
<h2>Families (worst first)</h2>
<table><tr><th>family</th><th>kind</th><th>A share</th><th>B share</th><th>match</th>${FAMILY_METRICS.map((m) => `<th title="${esc(METRIC_HELP[m])}">${SHORT[m]}</th>`).join('')}<th class="l">findings</th></tr>
${rows}</table>
<h2>Plots</h2><p>Blue: A; orange, dashed: B. Intensity in lines per second over time since each side’s window start; value CDFs from the recipes’ sketches (or quantiles). Worst ${PLOTTED} matched families shown.</p>
${sections}
</body></html>
`;
}
