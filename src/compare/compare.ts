// Fidelity of B against A (the reference): per family and overall, every metric graded against
// the thresholds, families ordered worst first, and each non-green metric explained in words.
// Overall family metrics are means over matched families weighted by A's lines; line size, body
// size and lines per request overall come from the global recipes' distributions.
import type { FamilyKind, Quantiles, Recipe } from '../lib/recipe.js';
import { alignArrivals, type AlignedCurves, type Axis, type Pair } from './curves.js';
import { compareDistributions, quantileErrors, type QuantileErrors } from './distributions.js';
import type { RecipeSet } from './load.js';
import { effectiveSize, noiseBand, type NoiseBand } from './noise.js';
import { sketchOf } from '../lib/stats/quantiles.js';
import { matchFamilies, type FamilyPair, type MatchKind } from './match.js';
import { formatValue, LABEL, num, pct } from './format.js';
import { compareTags } from './tags.js';
import {
  FAMILY_METRICS,
  GLOBAL_METRICS,
  grade,
  STATUS_RANK,
  worst,
  type FamilyMetric,
  type Metric,
  type Status,
  type Thresholds,
} from './thresholds.js';

/** A's figure as expected at B's multiplier, when that differs from A's own. */
const atM = (p: Pair): string =>
  p.expected === p.a ? '' : ` (${num(p.expected)} at B's multiplier)`;

export const COMPARE_SCHEMA = 'wflg.compare/v1';

export interface CompareOptions {
  readonly thresholds: Thresholds;
  /** B was generated with this timeScale / multiplier (DESIGN §2.5); 1 for a capture. */
  readonly timeScale: number;
  readonly multiplier: number;
}

export interface MetricResult {
  readonly value: number | null;
  readonly threshold: number | null;
  readonly status: Status;
  /** value / threshold (coverage: shortfall / allowed shortfall), for ordering. */
  readonly score: number;
  /** What was compared, in words (A → B). */
  readonly detail: string;
}

export interface FamilyResult {
  /** Unique per row: A's id and B's id ('-' when absent). */
  readonly key: string;
  readonly name: string;
  readonly kind: FamilyKind;
  readonly match: MatchKind;
  readonly idA: string | null;
  readonly idB: string | null;
  readonly tagKeysA: readonly string[] | null;
  readonly tagKeysB: readonly string[] | null;
  readonly linesA: number;
  readonly linesB: number;
  readonly shareA: number;
  readonly shareB: number;
  /** Whether this family can fail the run (its share reaches minFamilyShare). */
  readonly gating: boolean;
  readonly metrics: Partial<Record<FamilyMetric | 'coverage', MetricResult>>;
  readonly status: Status;
  readonly score: number;
  readonly findings: readonly string[];
}

export interface SideSummary {
  readonly input: string;
  readonly origin: 'recipes' | 'profiled';
  readonly run: string;
  readonly lines: number;
  readonly families: number;
  readonly requests: number;
  readonly coverage: number;
  readonly window: { startMs: number; endMs: number; seconds: number; timeAxis: string };
}

export interface Breach {
  /** 'overall' or the family row key. */
  readonly scope: string;
  readonly name: string;
  readonly metric: Metric;
  readonly value: number | null;
  readonly threshold: number | null;
}

export interface CompareReport {
  readonly schema: typeof COMPARE_SCHEMA;
  readonly a: SideSummary;
  readonly b: SideSummary;
  readonly options: { timeScale: number; multiplier: number };
  readonly thresholds: Thresholds;
  readonly verdict: 'pass' | 'fail';
  readonly breaches: readonly Breach[];
  readonly overall: Readonly<Record<Metric, MetricResult>>;
  /** Worst first. */
  readonly families: readonly FamilyResult[];
}

/** Report plus what the plots need, by row key (not part of the JSON). */
export interface CompareOutcome {
  readonly report: CompareReport;
  readonly rows: ReadonlyMap<string, { pair: FamilyPair; curves: AlignedCurves | null }>;
}

/** The distribution that stands for a family's values: metric values, centroid means, durations. */
export function valueQuantiles(r: Recipe): Quantiles | null {
  return r.values?.marginal ?? r.histogram?.centroidMean ?? r.span?.durationMs ?? null;
}

const quantileDetail = (what: string, q: QuantileErrors): string => {
  // A's sampling bands, where they are wider than the value itself (few requests).
  const bands = q.a.some((x, i) => q.lo[i] !== x || q.hi[i] !== x)
    ? ` (A's 95 % bands ${q.lo.map((l, i) => `${num(l)}–${num(q.hi[i]!)}`).join(', ')})`
    : '';
  return `${what} p50/p90/p99: A ${q.a.map(num).join('/')} → B ${q.b.map(num).join('/')}${bands}`;
};

/** `noise`: what two faithful samples of these sizes differ by at 99 %; a value within it is
 * graded as no difference (it is shown as measured). */
function metric(
  m: Metric,
  value: number | null,
  detail: string,
  t: Thresholds,
  noise?: number,
): MetricResult {
  const g = grade(m, value !== null && noise !== undefined && value <= noise ? 0 : value, t);
  return { value, threshold: t.limits[m], status: g.status, score: g.score, detail };
}

function familyMetrics(
  p: FamilyPair,
  axA: Axis,
  axB: Axis,
  t: Thresholds,
): { metrics: Partial<Record<FamilyMetric, MetricResult>>; curves: AlignedCurves } {
  const a = p.a!;
  const b = p.b!;
  const c = alignArrivals(a.arrivals, axA, b.arrivals, axB, a.totals, b.totals);
  const out: Partial<Record<FamilyMetric, MetricResult>> = {};
  out.intensityMape = metric(
    'intensityMape',
    c.mape,
    c.rateRatio === null
      ? 'A has no lines in the common window'
      : `B/A volume ×${num(c.rateRatio)}`,
    t,
  );
  out.dispersion = metric(
    'dispersion',
    c.dispersion?.error ?? null,
    c.dispersion
      ? `index of dispersion A ${num(c.dispersion.a)}${atM(c.dispersion)} → B ${num(c.dispersion.b)}`
      : '',
    t,
  );
  out.lag1 = metric(
    'lag1',
    c.lag1?.error ?? null,
    c.lag1 ? `lag-1 autocorrelation A ${num(c.lag1.a)}${atM(c.lag1)} → B ${num(c.lag1.b)}` : '',
    t,
  );
  const qa = valueQuantiles(a);
  const qb = valueQuantiles(b);
  const d = qa && qb ? compareDistributions(qa, qb) : null;
  const med = (q: Quantiles) => num(q.q.find(([p]) => p === 0.5)?.[1] ?? q.mean);
  const vd =
    d && qa && qb
      ? `median A ${med(qa)} → B ${med(qb)}, from ${d.method === 'sketch' ? 'sketches' : 'quantiles'}`
      : '';
  const noise = d && qa && qb ? valueNoise(qa, qb, a, d, t) : undefined;
  const nd = noise
    ? `; two samples of ${noise.nA < qa!.n || noise.nB < qb!.n ? 'effectively ' : ''}${num(noise.nA)} and ${num(noise.nB)} values from one distribution differ by up to KS ${num(noise.ks)}, JS ${num(noise.js)} (99 %)`
    : '';
  out.valueKs = metric('valueKs', d?.ks ?? null, vd + nd, t, noise?.ks);
  out.valueJs = metric('valueJs', d?.js ?? null, vd + nd, t, noise?.js);
  const sa = a.totals.series;
  const sb = b.totals.series;
  out.seriesCount = metric(
    'seriesCount',
    sa === sb ? 0 : sa > 0 ? Math.abs(sb - sa) / sa : 1,
    `series A ${sa} → B ${sb}`,
    t,
  );
  const tags = compareTags(a, b);
  const tagDetail = [
    ...tags.dropped.map((k) => `tag key '${k}' dropped in B`),
    ...tags.added.map((k) => `tag key '${k}' added in B`),
  ];
  if (tagDetail.length === 0 && tags.worstKey)
    tagDetail.push(`values of '${tags.worstKey}': JS ${num(tags.worst)}`);
  out.tagJs = metric('tagJs', tags.worst, tagDetail.join('; '), t);
  const lb = quantileErrors(a.lineBytes, b.lineBytes);
  out.lineBytes = metric(
    'lineBytes',
    lb?.worst ?? null,
    lb ? quantileDetail('line bytes', lb) : '',
    t,
  );
  return { metrics: out, curves: c };
}

/** The sampling band of value KS and JS, computed only where a value is past its threshold (it
 * costs a few hundred resamples). */
function valueNoise(
  qa: Quantiles,
  qb: Quantiles,
  a: Recipe,
  d: { ks: number; js: number; method: string },
  t: Thresholds,
): NoiseBand | undefined {
  if (
    d.method !== 'sketch' ||
    (d.ks <= (t.limits.valueKs ?? Infinity) && d.js <= (t.limits.valueJs ?? Infinity))
  )
    return;
  const sa = sketchOf(qa);
  const sb = sketchOf(qb);
  if (!sa || !sb) return;
  const rho = a.values?.lag1Autocorrelation;
  const nA = effectiveSize(qa.n, rho);
  const nB = effectiveSize(qb.n, rho);
  return noiseBand(sa, sb, nA, nB);
}

function finding(m: Metric, r: MetricResult): string {
  return `${LABEL[m]} ${formatValue(m, r.value)}${r.detail ? ` (${r.detail})` : ''}`;
}

function summary(s: RecipeSet): SideSummary {
  const g = s.global;
  return {
    input: s.input,
    origin: s.origin,
    run: g.run.id,
    lines: g.totals.lines,
    families: s.recipes.length,
    requests: g.totals.requests,
    coverage: g.totals.coverage,
    window: { ...g.window },
  };
}

export function compare(A: RecipeSet, B: RecipeSet, o: CompareOptions): CompareOutcome {
  const t = o.thresholds;
  const axA: Axis = {
    originMs: A.global.window.startMs,
    seconds: A.global.window.seconds,
    timeScale: 1,
    multiplier: 1,
  };
  const axB: Axis = {
    originMs: B.global.window.startMs,
    seconds: B.global.window.seconds,
    timeScale: o.timeScale,
    multiplier: o.multiplier,
  };
  const linesA = A.recipes.reduce((s, r) => s + r.totals.lines, 0);
  const linesB = B.recipes.reduce((s, r) => s + r.totals.lines, 0);
  const rows = new Map<string, { pair: FamilyPair; curves: AlignedCurves | null }>();
  const families: FamilyResult[] = [];
  let matchedA = 0;
  let matchedB = 0;
  const sums = new Map<FamilyMetric, [number, number]>();
  for (const p of matchFamilies(A.recipes, B.recipes)) {
    const r = (p.a ?? p.b)!;
    const key = `${p.a?.family.id ?? '-'}:${p.b?.family.id ?? '-'}`;
    const la = p.a?.totals.lines ?? 0;
    const lb = p.b?.totals.lines ?? 0;
    const shareA = linesA > 0 ? la / linesA : 0;
    const shareB = linesB > 0 ? lb / linesB : 0;
    const findings: string[] = [];
    let metrics: FamilyResult['metrics'] = {};
    let curves: AlignedCurves | null = null;
    if (p.a && p.b) {
      matchedA += la;
      matchedB += lb;
      ({ metrics, curves } = familyMetrics(p, axA, axB, t));
      for (const m of FAMILY_METRICS) {
        const x = metrics[m];
        if (!x || x.value === null) continue;
        const s = sums.get(m) ?? [0, 0];
        s[0] += la * x.value;
        s[1] += la;
        sums.set(m, s);
      }
      if (p.match === 'tags-changed')
        findings.push(
          `tag keys changed: ${[...p.dropped.map((k) => `'${k}' dropped`), ...p.added.map((k) => `'${k}' added`)].join(', ')} in B`,
        );
    } else {
      const share = p.a ? shareA : shareB;
      metrics = {
        coverage: metric(
          'coverage',
          1 - share,
          `${p.a ? 'missing in B' : 'extra in B'}: ${pct(share)} of ${p.a ? 'A' : 'B'}’s lines`,
          t,
        ),
      };
      findings.push(
        `${p.a ? 'missing in B' : 'extra in B (absent from A)'}: ${pct(share)} of ${p.a ? 'A' : 'B'}’s lines`,
      );
    }
    let status: Status = 'n/a';
    let score = 0;
    for (const [m, x] of Object.entries(metrics) as [Metric, MetricResult][]) {
      status = worst(status, x.status);
      score = Math.max(score, x.score);
      if ((x.status === 'red' || x.status === 'amber') && m !== 'coverage')
        findings.push(`${x.status === 'red' ? 'breach' : 'near'}: ${finding(m, x)}`);
    }
    families.push({
      key,
      name: r.family.name,
      kind: r.family.kind,
      match: p.match,
      idA: p.a?.family.id ?? null,
      idB: p.b?.family.id ?? null,
      tagKeysA: p.a?.family.tagKeys ?? null,
      tagKeysB: p.b?.family.tagKeys ?? null,
      linesA: la,
      linesB: lb,
      shareA,
      shareB,
      gating: Math.max(shareA, shareB) >= t.minFamilyShare,
      metrics,
      status,
      score,
      findings,
    });
    rows.set(key, { pair: p, curves });
  }
  families.sort(
    (x, y) =>
      STATUS_RANK[y.status] - STATUS_RANK[x.status] ||
      Number(y.gating) - Number(x.gating) ||
      y.score - x.score ||
      y.shareA - x.shareA ||
      (x.key < y.key ? -1 : 1),
  );

  const overall = {} as Record<Metric, MetricResult>;
  for (const m of FAMILY_METRICS) {
    const s = sums.get(m);
    const v = s && s[1] > 0 ? s[0] / s[1] : null;
    overall[m] = metric(m, v, s ? `mean over matched families weighted by A’s lines` : '', t);
  }
  const glb = quantileErrors(A.global.lineBytes, B.global.lineBytes);
  overall.lineBytes = metric(
    'lineBytes',
    glb?.worst ?? null,
    glb ? quantileDetail('all lines', glb) : '',
    t,
  );
  const ra = A.global.requests;
  const rb = B.global.requests;
  const noModel = `no request model on ${!ra && !rb ? 'either side' : !ra ? 'A' : 'B'} (plain Wavefront files have none)`;
  const wire = ra && rb ? quantileErrors(ra.wireBytes, rb.wireBytes) : null;
  overall.bodyBytes = metric(
    'bodyBytes',
    wire?.worst ?? null,
    wire ? quantileDetail('wire bytes', wire) : noModel,
    t,
  );
  const lpr = ra && rb ? quantileErrors(ra.linesPerRequest, rb.linesPerRequest) : null;
  overall.linesPerRequest = metric(
    'linesPerRequest',
    lpr?.worst ?? null,
    lpr ? quantileDetail('lines per request', lpr) : noModel,
    t,
  );
  const parts: [string, number][] = [
    ['A recipe coverage', A.global.totals.coverage],
    ['B recipe coverage', B.global.totals.coverage],
    ['A lines in families found in B', linesA > 0 ? matchedA / linesA : 1],
    ['B lines in families found in A', linesB > 0 ? matchedB / linesB : 1],
  ];
  const low = parts.reduce((x, y) => (y[1] < x[1] ? y : x));
  overall.coverage = metric(
    'coverage',
    low[1],
    parts.map(([k, v]) => `${k} ${pct(v)}`).join(', '),
    t,
  );

  const breaches: Breach[] = [];
  for (const m of [...FAMILY_METRICS, ...GLOBAL_METRICS])
    if (overall[m].status === 'red')
      breaches.push({
        scope: 'overall',
        name: 'overall',
        metric: m,
        value: overall[m].value,
        threshold: overall[m].threshold,
      });
  for (const f of families)
    if (f.gating)
      for (const [m, x] of Object.entries(f.metrics) as [Metric, MetricResult][])
        if (x.status === 'red')
          breaches.push({
            scope: f.key,
            name: f.name,
            metric: m,
            value: x.value,
            threshold: x.threshold,
          });

  return {
    report: {
      schema: COMPARE_SCHEMA,
      a: summary(A),
      b: summary(B),
      options: { timeScale: o.timeScale, multiplier: o.multiplier },
      thresholds: t,
      verdict: breaches.length ? 'fail' : 'pass',
      breaches,
      overall,
      families,
    },
    rows,
  };
}
