// The QA report: one self-contained HTML page (inline CSS and SVG, no scripts, no CDN) with
// coverage, rejects, and per-family fit quality: intensity curves with the fitted overlay, value
// histograms, and the worst-fitting families first.
import type { GlobalRecipe, Recipe } from '../lib/recipe.js';
import type { DDSketch } from '../lib/stats/ddsketch.js';
import { esc, fmt } from '../lib/svg.js';

const W = 520;
const H = 160;
const PAD = 34;

/** Counts (dots) and the smoothed intensity (line), both in lines per bucket. */
export function intensitySvg(r: Recipe): string {
  const a = r.arrivals;
  const n = a.counts.length;
  const scale = a.resolutionSeconds;
  const fitted = a.intensity.map((v) => v * scale);
  const max = Math.max(1, ...a.counts, ...fitted);
  const x = (i: number) => PAD + (W - PAD - 8) * (n <= 1 ? 0.5 : i / (n - 1));
  const y = (v: number) => H - 20 - ((H - 30) * v) / max;
  const step = Math.max(1, Math.floor(n / 600));
  let dots = '';
  for (let i = 0; i < n; i += step)
    dots += `<circle cx="${x(i).toFixed(1)}" cy="${y(a.counts[i]!).toFixed(1)}" r="1.3"/>`;
  const line = fitted
    .map((v, i) => (i % step === 0 || i === n - 1 ? `${x(i).toFixed(1)},${y(v).toFixed(1)}` : ''))
    .filter(Boolean)
    .join(' ');
  return `<svg class="plot intensity" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="intensity ${esc(r.family.name)}">
<rect x="${PAD}" y="10" width="${W - PAD - 8}" height="${H - 30}" class="frame"/>
<g class="counts">${dots}</g><polyline class="fit" points="${line}"/>
<text x="2" y="16">${fmt(max, 0)}</text><text x="2" y="${H - 20}">0</text>
<text x="${PAD}" y="${H - 4}">${new Date(a.startMs).toISOString().slice(0, 16)}Z</text>
<text x="${W - 8}" y="${H - 4}" text-anchor="end">${n} × ${fmt(a.resolutionSeconds, 0)} s buckets</text></svg>`;
}

/** Histogram of a sketch over log-spaced (positive) or linear bins. */
export function histogramSvg(s: DDSketch, label: string): string {
  if (s.count === 0) return '';
  const pts = s.points();
  const lo = s.min;
  const hi = s.max;
  const bins = 40;
  const counts = new Array<number>(bins).fill(0);
  const logScale = lo > 0 && hi / lo > 100;
  const pos = (v: number) =>
    hi === lo ? 0.5 : logScale ? Math.log(v / lo) / Math.log(hi / lo) : (v - lo) / (hi - lo);
  for (const [v, c] of pts)
    counts[Math.min(bins - 1, Math.max(0, Math.floor(pos(v) * bins)))]! += c;
  const max = Math.max(...counts);
  const bw = (W - PAD - 8) / bins;
  const bars = counts
    .map((c, i) => {
      const h = ((H - 30) * c) / max;
      return `<rect x="${(PAD + i * bw).toFixed(1)}" y="${(H - 20 - h).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${h.toFixed(1)}"/>`;
    })
    .join('');
  return `<svg class="plot histogram" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(label)}">
<rect x="${PAD}" y="10" width="${W - PAD - 8}" height="${H - 30}" class="frame"/><g class="bars">${bars}</g>
<text x="${PAD}" y="${H - 4}">${fmt(lo)}</text><text x="${W - 8}" y="${H - 4}" text-anchor="end">${fmt(hi)}${logScale ? ' (log)' : ''}</text>
<text x="${W / 2}" y="${H - 4}" text-anchor="middle">${esc(label)}</text></svg>`;
}

/** Worst fit first: the time-rescaling KS distance, else curve MAPE, else low confidence. */
export function misfit(r: Recipe): number {
  return (r.arrivals.hawkes?.gof.ks ?? 0.5) + (r.arrivals.fitMape ?? 0) / 10;
}

export interface ReportInput {
  global: GlobalRecipe;
  recipes: Recipe[];
  sketches: Map<string, DDSketch>;
  inputUrl: string;
  elapsedMs: number;
  readIssues: string[];
}

export function renderReport(x: ReportInput): string {
  const g = x.global;
  const t = g.totals;
  const ranked = [...x.recipes].sort(
    (a, b) => misfit(b) - misfit(a) || b.totals.lines - a.totals.lines,
  );
  const rows = ranked
    .map((r) => {
      const h = r.arrivals.hawkes;
      return `<tr class="${r.confidence}"><td><a href="#f-${r.family.id}">${esc(r.family.name)}</a></td><td>${r.family.kind}</td><td>${r.totals.lines}</td><td>${r.totals.series}</td><td>${h ? fmt(h.branchingRatio) : '–'}</td><td>${h ? fmt(h.gof.ks) : '–'}</td><td>${h ? fmt(h.gof.pValue) : '–'}</td><td>${r.arrivals.fitMape === null ? '–' : fmt(100 * r.arrivals.fitMape, 1) + ' %'}</td><td>${fmt(r.arrivals.dispersionIndex)}</td><td>${r.confidence}</td></tr>`;
    })
    .join('\n');
  const detail = ranked
    .slice(0, 60)
    .map((r) => {
      const s = x.sketches.get(r.family.id);
      const label = r.values
        ? `${r.values.model} values`
        : r.span
          ? 'span duration (ms)'
          : 'centroid means';
      return `<section class="family" id="f-${r.family.id}"><h3>${esc(r.family.name)} <small>${r.family.kind} · ${r.family.id} · ${r.totals.lines} lines · ${r.totals.series} series</small></h3>
<div class="plots">${intensitySvg(r)}${s ? histogramSvg(s, label) : ''}</div>
${r.notes.length ? `<ul class="notes">${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}</section>`;
    })
    .join('\n');
  const rejects = g.rejects
    .map(
      (c) =>
        `<tr><td>${c.code}</td><td>${c.stage}</td><td>${c.lines}</td><td>${fmt(100 * c.share, 2)} %</td></tr>`,
    )
    .join('');
  const kinds = g.kinds
    .map((k) => `<tr><td>${k.kind}</td><td>${k.lines}</td><td>${fmt(100 * k.share, 2)} %</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>wflg profile QA — ${esc(g.run.id)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:20px}h2{font-size:17px;margin-top:28px}h3{font-size:15px;margin:18px 0 4px}small{color:#666;font-weight:normal}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
tr.low td{background:#fff6e5}.kpi{display:inline-block;margin:0 24px 8px 0}.kpi b{font-size:22px;display:block}
.plot{background:#fafafa;margin:4px 12px 4px 0}.plot text{font-size:10px;fill:#555}.frame{fill:none;stroke:#ccc}
.counts circle{fill:#7a9cc6}.fit{fill:none;stroke:#d9480f;stroke-width:2}.bars rect{fill:#5c940d}.plots{display:flex;flex-wrap:wrap}
.ok{color:#2b8a3e}.bad{color:#c92a2a}
</style></head><body>
<h1>wflg profile QA report</h1>
<p>Input <code>${esc(x.inputUrl)}</code> · run <code>${esc(g.run.id)}</code> · ${g.run.inputs} input(s) · window ${new Date(g.window.startMs).toISOString()} – ${new Date(g.window.endMs).toISOString()} (${g.window.timeAxis}) · profiled in ${fmt(x.elapsedMs / 1000, 1)} s · privacy ${g.privacy.mode} (k = ${g.privacy.k})</p>
<div><span class="kpi"><b class="${t.coverage >= 0.999 ? 'ok' : 'bad'}">${fmt(100 * t.coverage, 3)} %</b>coverage</span>
<span class="kpi"><b>${t.lines}</b>lines</span><span class="kpi"><b>${t.families}</b>families</span>
<span class="kpi"><b>${t.rejectedLines}</b>rejected</span><span class="kpi"><b>${t.requests}</b>requests</span></div>
${x.readIssues.length ? `<p class="bad">${x.readIssues.map(esc).join('<br>')}</p>` : ''}
<h2>Lines by kind</h2><table><tr><th>kind</th><th>lines</th><th>share</th></tr>${kinds}</table>
<h2>Rejected lines by code</h2><table><tr><th>code</th><th>stage</th><th>lines</th><th>share</th></tr>${rejects || '<tr><td colspan="4">none</td></tr>'}</table>
<h2>Fit quality per family (worst first)</h2>
<p>KS D and p: time-rescaling goodness of fit of the Hawkes arrival model; MAPE: smoothed curve vs bucket counts; IDC: index of dispersion of counts.</p>
<table><tr><th>family</th><th>kind</th><th>lines</th><th>series</th><th>branching</th><th>KS D</th><th>KS p</th><th>MAPE</th><th>IDC</th><th>confidence</th></tr>
${rows}</table>
<h2>Families</h2><p>Dots: lines per bucket; orange line: the smoothed intensity the generator replays. Worst-fitting 60 shown.</p>
${detail}
</body></html>
`;
}
