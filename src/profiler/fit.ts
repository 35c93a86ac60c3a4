// Merged family state → a Recipe (schema/recipe.v1.schema.json): smoothing and seasonality of the
// intensity curve, the Hawkes fit on the sampled arrival instants with the curve as baseline,
// series universe from the tracked-series sample, value and structure models, privacy applied.
import type {
  Arrivals,
  CodeShare,
  FreqTable,
  Quoting,
  Recipe,
  SeriesUniverse,
} from '../lib/recipe.js';
import { RECIPE_SCHEMA, SOURCE_PAIR_KEY } from '../lib/recipe.js';
import { autocorrelation, indexOfDispersion, PooledLag1 } from '../lib/stats/dispersion.js';
import { DDSketch } from '../lib/stats/ddsketch.js';
import { fitHawkes, piecewiseBaseline, type Segment } from '../lib/stats/hawkes.js';
import { mape, periodicShape, smoothCounts, type CurveState } from '../lib/stats/intensity.js';
import { familyIdOfKey, familyKey, KIND_NAMES, Kind } from '../lib/wavefront.js';
import { ALIGN_CANDIDATES, type FamilyAcc } from './family-acc.js';
import type { InstantWindows } from './sample.js';
import { charClassOf, type Privatizer } from './privacy.js';
import { quantilesOf, quantilesOfList } from '../lib/stats/quantiles.js';
import type { SeriesRec } from './series.js';

const STAGES = ['ok', 'parse', 'filter', 'validate', 'discard', 'frame'] as const;
const DAY = 86_400_000;
const TOP_VALUES = 256;
const MIN_LINES_CONFIDENT = 100;

export function codeShares(
  rejects: Iterable<[string, number]>,
  total: number,
  max: number,
): CodeShare[] {
  return [...rejects]
    .map(([k, lines]) => {
      const [code, stage] = k.split('|');
      return {
        code: code!,
        stage: (STAGES[Number(stage)] ?? 'parse') as CodeShare['stage'],
        lines,
        share: total > 0 ? Math.min(1, lines / total) : 0,
      };
    })
    .filter((c) => c.stage !== ('ok' as string))
    .sort((a, b) => b.lines - a.lines || (a.code < b.code ? -1 : 1))
    .slice(0, max);
}

const finiteOr = (x: number, d: number) => (Number.isFinite(x) ? x : d);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/** The arrivals block from a curve and an instant sample (shared with the request model). */
export function fitArrivals(
  curve: CurveState,
  inst: InstantWindows,
  firstMs: number,
  lastMs: number,
  mirror: number,
  notes: string[],
): Arrivals {
  const counts = Array.from(curve.counts, (c) => Math.round(c));
  const res = curve.widthMs / 1000;
  const sm = smoothCounts(counts);
  const intensity = Array.from(sm.smoothed, (c) => Math.max(0, c / res / mirror));
  const span = lastMs - firstMs;
  let seasonality: Arrivals['seasonality'] = null;
  if (curve.widthMs <= 3_600_000 && span >= 14 * DAY) {
    const s = periodicShape(curve, 7 * DAY, 168, firstMs, lastMs);
    seasonality = { period: 'week', bucketSeconds: 3600, shape: s.factors };
  } else if (curve.widthMs <= 3_600_000 && span >= 2 * DAY) {
    const s = periodicShape(curve, DAY, 24, firstMs, lastMs);
    seasonality = { period: 'day', bucketSeconds: 3600, shape: s.factors };
  }
  // Hawkes on the sampled instants, with the smoothed curve (mean 1) as the baseline shape.
  const t0 = curve.start * curve.widthMs;
  const mean = sm.smoothed.reduce((a, b) => a + b, 0) / Math.max(1, sm.smoothed.length);
  const shape = Array.from(sm.smoothed, (c) => (mean > 0 ? Math.max(c / mean, 1e-3) : 1));
  const nu = piecewiseBaseline(0, res, shape);
  const segs: Segment[] = inst.segments().map((s) => ({
    start: Math.max(0, (s.startMs - t0) / 1000),
    end: (s.endMs - t0) / 1000,
    times: Float64Array.from(s.times, (t) => (t - t0) / 1000),
  }));
  let hawkes: Arrivals['hawkes'] = null;
  const fit = fitHawkes(segs, nu);
  if (!fit) notes.push('fewer than 20 arrival instants: no Hawkes fit (Poisson assumed)');
  else {
    hawkes = {
      mu: fit.mu,
      alpha: fit.alpha,
      beta: fit.beta,
      branchingRatio: fit.branchingRatio,
      logLikelihood: fit.logLik,
      events: fit.events,
      gof: { ks: clamp(fit.ks.d, 0, 1), pValue: clamp(fit.ks.pValue, 0, 1) },
    };
    if (!fit.significant) notes.push('self-excitation not significant (likelihood ratio): α = 0');
    if (fit.ks.pValue < 0.01)
      notes.push(`arrival model rejected by time-rescaling KS (D = ${fit.ks.d.toFixed(3)})`);
  }
  const idc = indexOfDispersion(counts);
  const ac = autocorrelation(counts, 1);
  return {
    startMs: Math.max(0, Math.round(t0)),
    resolutionSeconds: res,
    counts,
    intensity,
    seasonality,
    hawkes,
    dispersionIndex: Math.max(0, finiteOr(idc, 1)),
    lag1Autocorrelation: clamp(finiteOr(ac, 0), -1, 1),
    fitMape: counts.some((c) => c > 0) ? mape(counts, sm.smoothed) : null,
  };
}

/**
 * Squared coefficient of variation of the gaps between consecutive sampled instants, each gap
 * measured against the mean gap of its own window so that a rate that changes across the capture
 * does not read as irregularity (1 when fewer than two gaps: Poisson assumed).
 */
export function gapCv2(inst: InstantWindows): number {
  let n = 0;
  let s2 = 0;
  for (const seg of inst.segments()) {
    const t = seg.times;
    if (t.length < 3) continue;
    const mean = (t[t.length - 1]! - t[0]!) / (t.length - 1);
    for (let i = 1; i < t.length; i++) {
      const r = (t[i]! - t[i - 1]!) / mean - 1;
      s2 += r * r;
      n++;
    }
  }
  return n >= 2 ? s2 / n : 1;
}

/**
 * Lines per arrival instant and the gaps' regularity, with the index of dispersion they give
 * per-second counts around the intensity: instants a renewal process with squared coefficient of
 * variation c apart, each carrying an independent K lines, have count variance over a window of
 * many instants (Var K + c·E[K]²) × instants, so the index is Var K / E[K] + c·E[K] (Poisson
 * instants: E[K²]/E[K]; single lines: 1).
 */
export function clumpsOf(perInstant: DDSketch, cv2: number): NonNullable<Arrivals['clumps']> {
  const mean = perInstant.mean();
  let m2 = 0;
  for (const [v, c] of perInstant.points()) m2 += v * v * c;
  m2 /= Math.max(1, perInstant.count);
  const dispersion = mean > 0 ? Math.max(0, m2 / mean - mean) + cv2 * mean : 1;
  return { lines: quantilesOf(perInstant, true), gapCv2: cv2, dispersion };
}

function zipfExponent(counts: readonly number[]): number | null {
  if (counts.length < 5) return null;
  // Least squares of log count on log rank.
  const xs = counts.map((_, i) => Math.log(i + 1));
  const ys = counts.map((c) => Math.log(c));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return den > 0 ? Math.max(0, -num / den) : null;
}

/** Frequency table from (value → sampled lines) with privacy and a tail model. */
function freqTable(
  counts: Map<string, number>,
  distinct: number,
  scale: number,
  priv: Privatizer,
): FreqTable {
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const top = sorted.slice(0, TOP_VALUES).map(([v, n]) => {
    const p = priv.publish(v, n);
    return p.synthetic
      ? { v: p.v, n: Math.max(1, Math.round(n * scale)), synthetic: true }
      : { v: p.v, n: Math.max(1, Math.round(n * scale)) };
  });
  const rest = sorted.slice(TOP_VALUES);
  const tailValues = (rest.length ? rest : sorted).map(([v]) => v);
  const totalSample = sorted.reduce((a, [, n]) => a + n, 0);
  const topSample = sorted.slice(0, TOP_VALUES).reduce((a, [, n]) => a + n, 0);
  const tailDistinct = Math.max(0, distinct - top.length);
  return {
    distinct,
    top,
    tail: {
      distinct: tailDistinct,
      count: Math.round((totalSample - topSample) * scale),
      zipfS: zipfExponent(sorted.map(([, n]) => n)),
      length:
        tailDistinct > 0 ? quantilesOfList(tailValues.map((v) => v.length)) : quantilesOfList([]),
      charClass: tailDistinct > 0 ? charClassOf(tailValues) : 'empty',
    },
  };
}

function mutualInformation(
  joint: Map<string, number>,
  a: Map<string, number>,
  b: Map<string, number>,
  n: number,
): number {
  let mi = 0;
  for (const [k, c] of joint) {
    const [x, y] = k.split('\u0000') as [string, string];
    const p = c / n;
    mi += p * Math.log2(p / (((a.get(x) ?? 0) / n) * ((b.get(y) ?? 0) / n)));
  }
  return Math.max(0, mi);
}

function seriesUniverse(
  f: FamilyAcc,
  recs: SeriesRec[],
  priv: Privatizer,
  firstMs: number,
  lastMs: number,
): SeriesUniverse {
  const estimated = f.series.complete
    ? recs.length
    : Math.max(recs.length, Math.round(f.hll.estimate()));
  const scale = recs.length > 0 ? estimated / recs.length : 1;
  const sampledLines = recs.reduce((a, r) => a + r.n, 0);
  const lineScale = sampledLines > 0 ? f.lines / sampledLines : 1;
  // Per key, lines and series per value; the source is tallied as the key SOURCE_PAIR_KEY, which
  // no tag key can be, so the value pairs below treat it like any other key.
  const perKey = new Map<string, Map<string, number>>();
  const seriesPerValue = new Map<string, Map<string, number>>();
  for (const k of [SOURCE_PAIR_KEY, ...f.ident.tagKeys]) {
    perKey.set(k, new Map());
    seriesPerValue.set(k, new Map());
  }
  const tally = (k: string, v: string, n: number): void => {
    const m = perKey.get(k);
    if (!m) return;
    m.set(v, (m.get(v) ?? 0) + n);
    const s = seriesPerValue.get(k)!;
    s.set(v, (s.get(v) ?? 0) + 1);
  };
  for (const r of recs) {
    tally(SOURCE_PAIR_KEY, r.source, r.n);
    for (const [k, v] of r.tags) tally(k, v, r.n);
  }
  const sources = perKey.get(SOURCE_PAIR_KEY)!;
  const distinctOf = (m: Map<string, number>) =>
    f.series.complete ? m.size : Math.min(estimated, Math.round(m.size * Math.sqrt(scale)));
  const keys = f.ident.tagKeys.slice(0, 256).map((key) => {
    const m = perKey.get(key)!;
    const card = distinctOf(m);
    return {
      key: priv.publish(key, f.lines).v,
      presence: 1,
      cardinality: card,
      values: freqTable(m, card, lineScale, priv),
    };
  });
  // Value co-occurrence: the most dependent key pairs (mutual information over sampled series).
  // The source takes part as the pseudo-key SOURCE_PAIR_KEY: hosts and their tags go together
  // (a host is in one region, a trace source serves one workload), and drawing them apart makes
  // identities production never had. Pair weights count lines, like the per-key tables, so the
  // generator's identities reproduce the line-level mix.
  const pairs: SeriesUniverse['valuePairs'] = [];
  const tk = [SOURCE_PAIR_KEY, ...f.ident.tagKeys.slice(0, 12)];
  // Each series' value per pair key, looked up once rather than once per pair.
  const valuesOf = recs.map((r) =>
    tk.map((key) => (key === SOURCE_PAIR_KEY ? r.source : r.tags.find(([k]) => k === key)?.[1])),
  );
  const publishKey = (key: string): string =>
    key === SOURCE_PAIR_KEY ? key : priv.publish(key, f.lines).v;
  for (let i = 0; i < tk.length; i++)
    for (let j = i + 1; j < tk.length; j++) {
      const joint = new Map<string, number>();
      const jointLines = new Map<string, number>();
      for (let ri = 0; ri < recs.length; ri++) {
        const r = recs[ri]!;
        const va = valuesOf[ri]![i];
        const vb = valuesOf[ri]![j];
        if (va === undefined || vb === undefined) continue;
        const k = `${va}\u0000${vb}`;
        joint.set(k, (joint.get(k) ?? 0) + 1);
        jointLines.set(k, (jointLines.get(k) ?? 0) + r.n);
      }
      const n = [...joint.values()].reduce((a, b) => a + b, 0);
      if (n === 0) continue;
      const mi = mutualInformation(
        joint,
        seriesPerValue.get(tk[i]!)!,
        seriesPerValue.get(tk[j]!)!,
        n,
      );
      const top = [...jointLines]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 1024)
        .map(([k, c]) => {
          const [va, vb] = k.split('\u0000') as [string, string];
          const la = perKey.get(tk[i]!)!.get(va) ?? 0;
          const lb = perKey.get(tk[j]!)!.get(vb) ?? 0;
          return [priv.publish(va, la).v, priv.publish(vb, lb).v, Math.round(c * lineScale)] as [
            string,
            string,
            number,
          ];
        });
      pairs.push({
        a: publishKey(tk[i]!),
        b: publishKey(tk[j]!),
        mutualInformation: mi,
        pairs: top,
      });
    }
  pairs.sort((a, b) => b.mutualInformation - a.mutualInformation);
  // Churn from the sample: a series is born if first seen later than two reporting intervals after
  // the window opened, dead if last seen earlier than two intervals before it closed.
  const interval = f.sk.interval.count > 0 ? f.sk.interval.quantile(0.5) * 1000 : 0;
  const grace = Math.max(2 * interval, 60_000);
  const minutes = Math.max(1, (lastMs - firstMs) / 60_000);
  let births = 0;
  let deaths = 0;
  let stable = 0;
  for (const r of recs) {
    const born = r.first > firstMs + grace;
    const died = r.last < lastMs - grace;
    if (born) births++;
    if (died) deaths++;
    if (!born && !died) stable++;
  }
  let collisions = 0;
  let points = 0;
  for (const r of recs) {
    collisions += r.collisions;
    points += r.n;
  }
  const srcDistinct = distinctOf(sources);
  return {
    count: estimated,
    sources: freqTable(sources, srcDistinct, lineScale, priv),
    keys,
    keySets: f.ident.tagKeys.length
      ? [{ keys: f.ident.tagKeys.map((k) => priv.publish(k, f.lines).v).sort(), share: 1 }]
      : [],
    valuePairs: pairs.slice(0, 64),
    churn: {
      birthsPerMinute: (births * scale) / minutes,
      deathsPerMinute: (deaths * scale) / minutes,
      lifetimeSeconds: quantilesOfList(recs.map((r) => (r.last - r.first) / 1000)),
      stableShare: recs.length ? stable / recs.length : 1,
    },
    pointsPerSeries: quantilesOfList(recs.map((r) => r.n)),
    intervalSeconds: quantilesOf(f.sk.interval),
    sameSecondShare: points > 0 ? Math.min(1, collisions / points) : 0,
  };
}

/** Shares by digits after the point, of `total` (default: the tallies' sum); nonzero only. */
function decimalShares(
  tally: readonly number[],
  total = tally.reduce((a, b) => a + b, 0),
): { digits: number; share: number }[] {
  return tally
    .map((n, digits) => ({ digits, share: total > 0 ? n / total : 0 }))
    .filter((d) => d.share > 0)
    .slice(0, 20);
}

export function fitFamily(
  f: FamilyAcc,
  priv: Privatizer,
  mirror: number,
  traces: TraceStats,
): Recipe {
  const notes: string[] = [];
  const kind = KIND_NAMES[f.ident.kindCode] as Recipe['family']['kind'];
  const name = priv.publish(f.ident.name, f.lines).v;
  const tagKeys = f.ident.tagKeys
    .map((k) => priv.publish(k, f.lines).v)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const key = familyKey(kind, name, tagKeys);
  if (f.lines < MIN_LINES_CONFIDENT) notes.push(`only ${f.lines} lines: distributions are rough`);
  const firstMs = Math.max(0, Math.round(f.firstMs));
  const lastMs = Math.max(firstMs, Math.round(f.lastMs));
  const recs = f.series.records();
  if (!f.series.complete)
    notes.push(`series sampled: ${recs.length} of ~${Math.round(f.hll.estimate())} tracked`);
  const inst = f.instHour.intervals() > f.inst.intervals() ? f.instHour : f.inst;
  const arrivals = fitArrivals(f.curve.state(), inst, firstMs, lastMs, mirror, notes);
  // Envoy mirrors whole requests, so a mirror fraction thins clumps in number, not in size.
  if (f.sk.perInstant.count > 0) arrivals.clumps = clumpsOf(f.sk.perInstant, gapCv2(inst));
  const series = seriesUniverse(f, recs, priv, firstMs, lastMs);
  const units = f.tsUnits.map((n, i) => [i, n] as const).filter(([i, n]) => i > 0 && n > 0);
  const unitNames = ['none', 's', 'ms', 'us', 'ns'] as const;
  const unit =
    units.length === 0 ? 'none' : units.length === 1 ? unitNames[units[0]![0]]! : 'mixed';
  // Alignment: the coarsest grid that at least 95 % of timestamps sit on.
  const aligned = f.aligned;
  let alignIdx = -1;
  ALIGN_CANDIDATES.forEach((_, a) => {
    if (f.tsPresent > 0 && aligned[a]! >= 0.95 * f.tsPresent) alignIdx = a;
  });
  const valued = kind === 'metric' || kind === 'delta';
  let values: Recipe['values'] = null;
  if (valued) {
    const lag = new PooledLag1();
    let eligible = 0;
    let monotonic = 0;
    for (const r of recs) {
      lag.addSeries(r.nf, r.sx, r.sxx, r.sxy, r.pairs, r.pairSums);
      if (r.n >= 3) {
        eligible++;
        if (r.decreases <= Math.max(0, 0.01 * r.n) && r.sx !== r.n * r.firstV) monotonic++;
      }
    }
    const model =
      kind === 'delta'
        ? 'delta'
        : eligible > 0 && monotonic >= 0.8 * eligible
          ? 'counter'
          : 'gauge';
    let steps = f.sk.steps;
    let resetShare = 0;
    if (model === 'counter') {
      const diffs = f.sk.steps.toJSON();
      steps = DDSketch.fromJSON({
        ...diffs,
        neg: { offset: 0, counts: [] },
        count: diffs.count - diffs.neg.counts.reduce((a, b) => a + b, 0),
        min: Math.max(0, diffs.min),
      });
      resetShare = diffs.count > 0 ? (diffs.count - steps.count) / diffs.count : 0;
    }
    const finite = f.lines - f.nan - f.inf;
    const dec = decimalShares(f.decimals, finite);
    values = {
      model,
      marginal: quantilesOf(f.sk.values, true),
      steps: quantilesOf(steps),
      lag1Autocorrelation: clamp(finiteOr(lag.value(), 0), -1, 1),
      integerShare: finite > 0 ? f.decimals[0]! / finite : 0,
      decimals: dec,
      nanShare: f.lines ? f.nan / f.lines : 0,
      infShare: f.lines ? f.inf / f.lines : 0,
      negativeShare: f.lines ? f.neg / f.lines : 0,
      zeroShare: f.lines ? f.zero / f.lines : 0,
      resetShare,
    };
  }
  const isHist = kind.startsWith('histogram_');
  const histogram: Recipe['histogram'] = isHist
    ? {
        granularity:
          f.ident.kindCode === Kind.histogram_m
            ? 'minute'
            : f.ident.kindCode === Kind.histogram_h
              ? 'hour'
              : 'day',
        centroidsPerLine: quantilesOf(f.sk.centroidsPerLine),
        centroidCount: quantilesOf(f.sk.centroidCount),
        centroidMean: quantilesOf(f.sk.centroidMean, true),
        totalCount: quantilesOf(f.sk.totalCount),
        meanDecimals: decimalShares(f.decimals),
      }
    : null;
  const lowConfidence =
    f.lines < MIN_LINES_CONFIDENT || arrivals.hawkes === null || arrivals.hawkes.gof.pValue < 0.01;
  return {
    schema: RECIPE_SCHEMA,
    family: { id: familyIdOfKey(key), key, kind, name, tagKeys },
    privacy: priv.mode,
    confidence: lowConfidence ? 'low' : 'high',
    notes: notes.slice(0, 32).map((n) => n.slice(0, 500)),
    totals: {
      lines: f.lines,
      bytes: f.bytes,
      series: series.count,
      sources: series.sources.distinct,
      firstMs,
      lastMs,
    },
    arrivals,
    timestamps: {
      presentShare: f.lines ? f.tsPresent / f.lines : 0,
      unit,
      lagMs: quantilesOf(f.sk.lag),
      alignmentSeconds: alignIdx >= 0 ? ALIGN_CANDIDATES[alignIdx]! : 0,
      alignedShare: alignIdx >= 0 && f.tsPresent > 0 ? aligned[alignIdx]! / f.tsPresent : 0,
    },
    series,
    values,
    histogram,
    span: kind === 'span' ? spanModel(f, recs, traces, priv) : null,
    lineBytes: quantilesOf(f.sk.lineBytes),
    quoting: quotingOf(recs),
    rejects: codeShares(
      f.rejects,
      f.lines + [...f.rejects.values()].reduce((a, b) => a + b, 0),
      64,
    ),
  };
}

/**
 * Shares of quoted tokens over the sampled series (each as its first line wrote it): clients keep
 * one style, so a series speaks for its sender. Without a token of a kind, the formatter's
 * default (quoted) is published.
 */
function quotingOf(recs: readonly SeriesRec[]): Quoting {
  let name = 0;
  let sources = 0;
  let source = 0;
  let tags = 0;
  let keys = 0;
  let values = 0;
  for (const r of recs) {
    const [n, s, t, k, v] = r.quoting;
    name += n;
    if (s >= 0) {
      sources++;
      source += s;
    }
    tags += t;
    keys += k;
    values += v;
  }
  const share = (x: number, of: number): number => (of > 0 ? x / of : 1);
  return {
    name: share(name, recs.length),
    source: share(source, sources),
    keys: share(keys, tags),
    values: share(values, tags),
  };
}

export interface TraceStats {
  spansPerTrace: number[];
  fanOut: number[];
  depth: number[];
}

/** Structure of the sampled traces: spans per trace, children per parent, tree depth. */
export function traceStats(traces: Map<string, Array<{ s: string; p: string }>>): TraceStats {
  const out: TraceStats = { spansPerTrace: [], fanOut: [], depth: [] };
  for (const id of [...traces.keys()].sort()) {
    const spans = traces.get(id)!;
    out.spansPerTrace.push(spans.length);
    const parentOf = new Map<string, string>();
    const children = new Map<string, number>();
    for (const sp of spans) {
      if (sp.s) parentOf.set(sp.s, sp.p);
      if (sp.p) children.set(sp.p, (children.get(sp.p) ?? 0) + 1);
    }
    for (const c of children.values()) out.fanOut.push(c);
    let depth = 0;
    for (const sp of spans) {
      let d = 1;
      let p = sp.p;
      // Bounded walk: a cycle in hostile input cannot loop forever.
      while (p && d <= spans.length) {
        p = parentOf.get(p) ?? '';
        d++;
      }
      depth = Math.max(depth, d);
    }
    out.depth.push(depth);
  }
  return out;
}

function spanModel(
  f: FamilyAcc,
  recs: readonly SeriesRec[],
  t: TraceStats,
  priv: Privatizer,
): Recipe['span'] {
  const top = [...f.annotations]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 256);
  // Every kept key's value counts in one pass over the sample.
  const valuesOf = new Map(top.map(([key]) => [key, new Map<string, number>()]));
  for (const r of recs)
    for (const [k, v] of r.tags) {
      const values = valuesOf.get(k);
      if (values) values.set(v, (values.get(v) ?? 0) + r.n);
    }
  const keys = top.map(([key, n]) => {
    const values = valuesOf.get(key)!;
    return {
      key: priv.publish(key, n).v,
      presence: f.lines ? Math.min(1, n / f.lines) : 0,
      values: freqTable(values, values.size, 1, priv),
    };
  });
  return {
    durationMs: quantilesOf(f.sk.duration, true),
    spansPerTrace: quantilesOfList(t.spansPerTrace),
    fanOut: quantilesOfList(t.fanOut),
    depth: quantilesOfList(t.depth),
    rootShare: f.lines ? f.spanRoots / f.lines : 0,
    spanLogShare: f.lines ? f.spanLogs / f.lines : 0,
    annotationKeys: keys,
  };
}
