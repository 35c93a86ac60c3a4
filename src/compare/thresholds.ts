// Fidelity thresholds for `wflg compare`: the DESIGN §4 targets as defaults, an optional JSON or
// YAML file overriding them (unknown keys rejected, every problem reported at once), and the
// green / amber / red grading every metric goes through.
import { readStructuredFile } from '../lib/config.js';
import { WflgError } from '../lib/errors.js';

/** Metrics computed per family (and aggregated over families, weighted by A's lines). */
export const FAMILY_METRICS = [
  'intensityMape',
  'dispersion',
  'lag1',
  'valueKs',
  'valueJs',
  'seriesCount',
  'tagJs',
  'lineBytes',
] as const;
/** Metrics of the whole stream only (the request model and recipe coverage). */
export const GLOBAL_METRICS = ['bodyBytes', 'linesPerRequest', 'coverage'] as const;
export type FamilyMetric = (typeof FAMILY_METRICS)[number];
export type GlobalMetric = (typeof GLOBAL_METRICS)[number];
export type Metric = FamilyMetric | GlobalMetric;

export interface Thresholds {
  /** Upper bounds of each error metric; `coverage` is a lower bound. null: reported, never gating. */
  readonly limits: Readonly<Record<Metric, number | null>>;
  /** Families carrying less than this share of lines are reported but do not fail the run. */
  readonly minFamilyShare: number;
  /** A passing value above this fraction of its threshold is amber instead of green. */
  readonly amber: number;
}

/**
 * DESIGN §4 states value KS and JS, intensity MAPE, index of dispersion, series count, body size,
 * lines per request and coverage. It states no bound for lag-1 autocorrelation, tag values or line
 * sizes; those defaults are wflg's own, set to the same order as their neighbours.
 */
export const DEFAULT_THRESHOLDS: Thresholds = Object.freeze({
  limits: Object.freeze({
    intensityMape: 0.1,
    dispersion: 0.2,
    lag1: 0.1,
    valueKs: 0.05,
    valueJs: 0.05,
    seriesCount: 0.02,
    tagJs: 0.05,
    lineBytes: 0.05,
    bodyBytes: 0.05,
    linesPerRequest: 0.05,
    coverage: 0.999,
  }),
  minFamilyShare: 0.001,
  amber: 0.5,
});

/** What each metric measures, for help text, the HTML legend and docs. */
export const METRIC_HELP: Readonly<Record<Metric, string>> = {
  intensityMape:
    'mean absolute percentage error of B’s smoothed intensity against A’s, on a common relative-time grid',
  dispersion:
    'relative error of the index of dispersion (variance/mean) of bucket counts, against A’s carried to B’s multiplier',
  lag1: 'absolute error of the lag-1 autocorrelation of bucket counts',
  valueKs: 'Kolmogorov–Smirnov distance of the value distributions (max CDF gap)',
  valueJs: 'Jensen–Shannon divergence (bits) of the value distributions on a common binning',
  seriesCount: 'relative error of the number of series',
  tagJs:
    'worst Jensen–Shannon divergence of a tag key’s value frequencies (1 when a key is missing)',
  lineBytes: 'worst relative error of line size at p50/p90/p99',
  bodyBytes: 'worst relative error of request body size on the wire at p50/p90/p99',
  linesPerRequest: 'worst relative error of lines per request at p50/p90/p99',
  coverage:
    'lowest of: each side’s recipe coverage, share of A’s lines in families found in B and vice versa',
};

const ALL_METRICS: readonly Metric[] = [...FAMILY_METRICS, ...GLOBAL_METRICS];

/** Validates a parsed thresholds document (all problems at once) over the defaults. */
export function parseThresholds(doc: unknown, what = 'thresholds'): Thresholds {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new WflgError('WFLG_E_CONFIG_INVALID', `${what}: must hold one object`);
  const problems: string[] = [];
  const limits: Record<string, number | null> = { ...DEFAULT_THRESHOLDS.limits };
  let minFamilyShare = DEFAULT_THRESHOLDS.minFamilyShare;
  let amber = DEFAULT_THRESHOLDS.amber;
  const fraction = (k: string, v: unknown, lo: number, hi: number): number | undefined => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) {
      problems.push(`${k}: must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  };
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if ((ALL_METRICS as readonly string[]).includes(k)) {
      if (v === null) limits[k] = null;
      else {
        // Errors may exceed 1 (a MAPE of 150 %), but a coverage is a share.
        const n = fraction(k, v, 0, k === 'coverage' ? 1 : 1e6);
        if (n !== undefined) limits[k] = n;
      }
    } else if (k === 'minFamilyShare') minFamilyShare = fraction(k, v, 0, 1) ?? minFamilyShare;
    else if (k === 'amber') amber = fraction(k, v, 0, 1) ?? amber;
    else
      problems.push(
        `unknown key '${k}' (known: ${[...ALL_METRICS, 'minFamilyShare', 'amber'].join(', ')})`,
      );
  }
  if (problems.length)
    throw new WflgError('WFLG_E_CONFIG_INVALID', `${what}: ${problems.join('; ')}`, { problems });
  return Object.freeze({
    limits: Object.freeze(limits as Record<Metric, number | null>),
    minFamilyShare,
    amber,
  });
}

/** Reads a thresholds file: JSON when it ends in .json, YAML otherwise (JSON is YAML too). */
export function loadThresholds(path: string): Thresholds {
  const doc = readStructuredFile(path, 'thresholds file');
  return parseThresholds(doc, `thresholds file ${path}`);
}

export type Status = 'green' | 'amber' | 'red' | 'n/a';

export interface Grade {
  readonly status: Status;
  /** value / threshold (coverage: shortfall / allowed shortfall); 0 when not gating. */
  readonly score: number;
}

/**
 * Green: within `amber` × threshold. Amber: within the threshold but past that fraction of it.
 * Red: beyond the threshold. Coverage grades its shortfall (1 − coverage) against the allowed
 * shortfall (1 − threshold) the same way. A null value is n/a; a null threshold never grades red.
 */
export function grade(metric: Metric, value: number | null, t: Thresholds): Grade {
  const limit = t.limits[metric];
  if (value === null || !Number.isFinite(value)) return { status: 'n/a', score: 0 };
  if (limit === null) return { status: 'green', score: 0 };
  const [v, max] = metric === 'coverage' ? [1 - value, 1 - limit] : [value, limit];
  // Float noise (1 − 0.999 vs 1 − 0.9990000001) must not flip an exact match to red.
  const eps = 1e-12;
  const score = max > 0 ? v / max : v > eps ? Infinity : 0;
  if (v > max + eps) return { status: 'red', score };
  if (v > t.amber * max + eps) return { status: 'amber', score };
  return { status: 'green', score };
}

export const STATUS_RANK: Readonly<Record<Status, number>> = {
  'n/a': 0,
  green: 1,
  amber: 2,
  red: 3,
};

export function worst(a: Status, b: Status): Status {
  return STATUS_RANK[a] >= STATUS_RANK[b] ? a : b;
}
