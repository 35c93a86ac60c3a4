// Words and numbers shared by the terminal table, the HTML report and findings.
import type { Metric } from './thresholds.js';

export const LABEL: Readonly<Record<Metric, string>> = {
  intensityMape: 'intensity MAPE',
  dispersion: 'dispersion error',
  lag1: 'lag-1 autocorrelation error',
  valueKs: 'value KS',
  valueJs: 'value JS',
  seriesCount: 'series count error',
  tagJs: 'tag values JS',
  lineBytes: 'line size error',
  bodyBytes: 'body size error',
  linesPerRequest: 'lines per request error',
  coverage: 'coverage',
};

/** Column headings for the table (short). */
export const SHORT: Readonly<Record<Metric, string>> = {
  intensityMape: 'MAPE',
  dispersion: 'IDC',
  lag1: 'lag1',
  valueKs: 'KS',
  valueJs: 'JS',
  seriesCount: 'series',
  tagJs: 'tags',
  lineBytes: 'lineB',
  bodyBytes: 'bodyB',
  linesPerRequest: 'l/req',
  coverage: 'cover',
};

/** Relative errors and shares read as percentages; distances and correlations as plain numbers. */
const PERCENT: ReadonlySet<Metric> = new Set([
  'intensityMape',
  'dispersion',
  'seriesCount',
  'lineBytes',
  'bodyBytes',
  'linesPerRequest',
  'coverage',
]);

export const pct = (x: number): string =>
  `${(100 * x).toFixed(x !== 0 && Math.abs(x) < 0.1 ? 2 : 1)} %`;

export const num = (x: number): string =>
  !Number.isFinite(x)
    ? '–'
    : Math.abs(x) >= 1e5 || (x !== 0 && Math.abs(x) < 1e-3)
      ? x.toExponential(2)
      : String(+x.toPrecision(4));

export function formatValue(m: Metric, v: number | null): string {
  if (v === null) return 'n/a';
  if (!PERCENT.has(m)) return num(v);
  return m === 'coverage' ? `${(100 * v).toFixed(3)} %` : pct(v);
}
