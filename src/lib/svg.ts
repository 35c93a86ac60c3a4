// Helpers for self-contained HTML reports with inline SVG plots (no scripts, no remote assets):
// escaping, compact number formatting, and a line chart for overlaying series.

export const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** Short human form: fixed `d` decimals without trailing zeros, exponent form when very large or small. */
export const fmt = (x: number, d = 3): string =>
  !Number.isFinite(x)
    ? '–'
    : Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3)
      ? x.toExponential(2)
      : // Trailing zeros are trimmed only after a decimal point: fmt(60, 0) is '60', not '6'.
        x
          .toFixed(d)
          .replace(/(\.\d*?)0+$/, '$1')
          .replace(/\.$/, '');

export interface ChartSeries {
  readonly points: ReadonlyArray<readonly [number, number]>;
  /** CSS class of the polyline (its colour comes from the page's stylesheet). */
  readonly cls: string;
  readonly label: string;
  /** Draw as a right-continuous step function (CDFs) instead of straight segments. */
  readonly step?: boolean;
}

export interface ChartOptions {
  readonly aria: string;
  readonly width?: number;
  readonly height?: number;
  /** Logarithmic x axis (only honoured when every x is positive). */
  readonly logX?: boolean;
  readonly xFormat?: (x: number) => string;
  /** Caption under the plot's middle. */
  readonly caption?: string;
  /** At most this many points per series are drawn (evenly strided, last point kept). */
  readonly maxPoints?: number;
}

function strided<T>(xs: ReadonlyArray<T>, max: number): T[] {
  if (xs.length <= max) return [...xs];
  const step = Math.ceil(xs.length / max);
  const out: T[] = [];
  for (let i = 0; i < xs.length; i += step) out.push(xs[i]!);
  if (out[out.length - 1] !== xs[xs.length - 1]) out.push(xs[xs.length - 1]!);
  return out;
}

/** Several series on shared axes (y from 0), with a legend. Empty string when nothing to draw. */
export function lineChart(series: readonly ChartSeries[], o: ChartOptions): string {
  const W = o.width ?? 520;
  const H = o.height ?? 170;
  const PAD = 40;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x + y));
  if (all.length === 0) return '';
  const log = (o.logX ?? false) && all.every(([x]) => x > 0);
  const tx = (x: number) => (log ? Math.log10(x) : x);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y1 = 0;
  for (const [x, y] of all) {
    x0 = Math.min(x0, tx(x));
    x1 = Math.max(x1, tx(x));
    y1 = Math.max(y1, y);
  }
  if (y1 === 0) y1 = 1;
  const px = (x: number) => PAD + (W - PAD - 8) * (x1 === x0 ? 0.5 : (tx(x) - x0) / (x1 - x0));
  const py = (y: number) => H - 22 - ((H - 40) * y) / y1;
  const lines = series
    .map((s) => {
      const pts = strided(
        s.points.filter(([x, y]) => Number.isFinite(x + y)),
        o.maxPoints ?? 800,
      );
      const coords: string[] = [];
      pts.forEach(([x, y], i) => {
        if (s.step && i > 0) coords.push(`${px(x).toFixed(1)},${py(pts[i - 1]![1]).toFixed(1)}`);
        coords.push(`${px(x).toFixed(1)},${py(y).toFixed(1)}`);
      });
      return `<polyline class="${esc(s.cls)}" points="${coords.join(' ')}"/>`;
    })
    .join('');
  const legend = series
    .map(
      (s, i) =>
        `<text x="${W - 8}" y="${22 + 12 * i}" text-anchor="end" class="${esc(s.cls)}-label">${esc(s.label)}</text>`,
    )
    .join('');
  const f = o.xFormat ?? ((x: number) => fmt(x));
  const xl = log ? 10 ** x0 : x0;
  const xr = log ? 10 ** x1 : x1;
  return `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.aria)}">
<rect x="${PAD}" y="18" width="${W - PAD - 8}" height="${H - 40}" class="frame"/>${lines}${legend}
<text x="2" y="24">${fmt(y1)}</text><text x="2" y="${H - 22}">0</text>
<text x="${PAD}" y="${H - 6}">${esc(f(xl))}</text><text x="${W - 8}" y="${H - 6}" text-anchor="end">${esc(f(xr))}${log ? ' (log)' : ''}</text>
${o.caption ? `<text x="${(W + PAD) / 2}" y="${H - 6}" text-anchor="middle">${esc(o.caption)}</text>` : ''}</svg>`;
}
