// Recipes (DESIGN §2.4; docs/formats/recipe.md). The JSON Schema in schema/recipe.v1.schema.json is
// the single source of truth; these types mirror it, and test/lib/recipe.test.ts proves every
// object type here has exactly the schema's properties (the *_KEYS tables below are checked by the
// compiler against the types, and by the test against the schema). Validation = schema (ajv, all
// errors at once) + the cross-field rules a schema cannot state.
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { WflgError } from './errors.js';
import { loadValidators, type Validators } from './recipe-validators.js';
import { familyIdOfKey } from './wavefront.js';

export const RECIPE_SCHEMA = 'wflg.recipe/v1';
export const GLOBAL_SCHEMA = 'wflg.recipe-global/v1';

export type FamilyKind =
  'metric' | 'delta' | 'histogram_m' | 'histogram_h' | 'histogram_d' | 'span';

export interface Quantiles {
  n: number;
  min: number;
  max: number;
  mean: number;
  /** (probability, value) pairs, probabilities strictly increasing. */
  q: [number, number][];
  sketch: { type: 'kll' | 'ddsketch' | 'tdigest'; data: string } | null;
}
export interface FreqTable {
  distinct: number;
  top: { v: string; n: number; synthetic?: boolean }[];
  tail: {
    distinct: number;
    count: number;
    zipfS: number | null;
    length: Quantiles;
    charClass: 'digits' | 'hex' | 'lower' | 'upper' | 'alpha' | 'alnum' | 'mixed' | 'empty';
  };
}
export interface Arrivals {
  startMs: number;
  resolutionSeconds: number;
  counts: number[];
  intensity: number[];
  seasonality: { period: 'day' | 'week'; bucketSeconds: number; shape: number[] } | null;
  hawkes: {
    mu: number;
    alpha: number;
    beta: number;
    branchingRatio: number;
    logLikelihood: number;
    events: number;
    gof: { ks: number; pValue: number };
  } | null;
  dispersionIndex: number;
  lag1Autocorrelation: number;
  fitMape: number | null;
  /** Arrival clumps (capture input only; see the schema). Absent in recipes of older builds. */
  clumps?: { lines: Quantiles; gapCv2: number; dispersion: number } | null;
}
export interface Timestamps {
  presentShare: number;
  unit: 's' | 'ms' | 'us' | 'ns' | 'mixed' | 'none';
  lagMs: Quantiles;
  alignmentSeconds: number;
  alignedShare: number;
}
/** In `valuePairs`, the series source taking part as a key. No point tag can be named `source`:
 * on the wire `source=` is the source itself. */
export const SOURCE_PAIR_KEY = 'source';

export interface SeriesUniverse {
  count: number;
  sources: FreqTable;
  keys: { key: string; presence: number; cardinality: number; values: FreqTable }[];
  keySets: { keys: string[]; share: number }[];
  /** Most dependent first; `a`/`b` are tag keys or SOURCE_PAIR_KEY; pair counts are lines. */
  valuePairs: {
    a: string;
    b: string;
    mutualInformation: number;
    pairs: [string, string, number][];
  }[];
  churn: {
    birthsPerMinute: number;
    deathsPerMinute: number;
    lifetimeSeconds: Quantiles;
    stableShare: number;
  };
  pointsPerSeries: Quantiles;
  intervalSeconds: Quantiles;
  sameSecondShare: number;
}
export interface ValueModel {
  model: 'gauge' | 'counter' | 'delta' | 'none';
  marginal: Quantiles;
  steps: Quantiles;
  lag1Autocorrelation: number;
  integerShare: number;
  decimals: { digits: number; share: number }[];
  nanShare: number;
  infShare: number;
  negativeShare: number;
  zeroShare: number;
  resetShare: number;
}
export interface HistogramModel {
  granularity: 'minute' | 'hour' | 'day';
  centroidsPerLine: Quantiles;
  centroidCount: Quantiles;
  centroidMean: Quantiles;
  totalCount: Quantiles;
  /** Lines by the digits after the point of their centroid means (a line's average, rounded). */
  meanDecimals?: { digits: number; share: number }[];
}
export interface SpanModel {
  durationMs: Quantiles;
  spansPerTrace: Quantiles;
  fanOut: Quantiles;
  depth: Quantiles;
  rootShare: number;
  spanLogShare: number;
  annotationKeys: { key: string; presence: number; values: FreqTable }[];
}
export interface CodeShare {
  code: string;
  stage: 'parse' | 'filter' | 'validate' | 'discard' | 'frame';
  lines: number;
  share: number;
}
export interface Privacy {
  mode: 'raw' | 'k-anonymous' | 'hashed';
  k: number;
  salted: boolean;
}
export interface Recipe {
  schema: typeof RECIPE_SCHEMA;
  family: { id: string; key: string; kind: FamilyKind; name: string; tagKeys: string[] };
  privacy: Privacy;
  confidence: 'high' | 'low';
  notes: string[];
  totals: {
    lines: number;
    bytes: number;
    series: number;
    sources: number;
    firstMs: number;
    lastMs: number;
  };
  arrivals: Arrivals;
  timestamps: Timestamps;
  series: SeriesUniverse;
  values: ValueModel | null;
  histogram: HistogramModel | null;
  span: SpanModel | null;
  lineBytes: Quantiles;
  /** Shares of tokens the capture wrote quoted. */
  quoting: Quoting;
  rejects: CodeShare[];
}
export interface Quoting {
  name: number;
  source: number;
  keys: number;
  values: number;
}
export interface RequestModel {
  linesPerRequest: Quantiles;
  wireBytes: Quantiles;
  storedBytes: Quantiles;
  interArrivalMs: Quantiles;
  encodings: { encoding: 'identity' | 'gzip' | 'deflate'; share: number }[];
  /** Per format: its share of requests and, when known, its own request shape, and lines per
   * request by the format's load (ascending `upTo`, lines/s at 1×). */
  formats: {
    format: string;
    share: number;
    linesPerRequest?: Quantiles;
    wireBytes?: Quantiles;
    byRate?: { upTo: number; linesPerRequest: Quantiles }[];
  }[];
  paths: { path: string; share: number }[];
  arrivals: Arrivals;
  clients: { count: number; requestsPerClient: Quantiles; linesPerRequestByClient: Quantiles };
}
export interface GlobalRecipe {
  schema: typeof GLOBAL_SCHEMA;
  run: { id: string; profiler: string; inputs: number; input: string };
  privacy: Privacy;
  window: { startMs: number; endMs: number; seconds: number; timeAxis: 'arrival' | 'timestamp' };
  mirrorFraction: number;
  totals: {
    lines: number;
    bytes: number;
    requests: number;
    families: number;
    acceptedLines: number;
    rejectedLines: number;
    coveredLines: number;
    coverage: number;
  };
  kinds: { kind: string; lines: number; share: number }[];
  requests: RequestModel | null;
  rejects: CodeShare[];
  lineBytes: Quantiles;
}

const keys = <T>(k: Record<keyof T, true>): readonly string[] => Object.keys(k);
/**
 * Properties added to v1 after its first recipes were written: optional, so those recipes stay
 * valid (and hot-reloadable) under a newer build; every other property is required.
 */
export const OPTIONAL_KEYS: Readonly<Record<string, readonly string[]>> = {
  arrivals: ['clumps'],
  histogram: ['meanDecimals'],
};
/** Property names per schema $def, tied to the TS types above by `Record<keyof T, true>`. */
export const SCHEMA_KEYS: Readonly<Record<string, readonly string[]>> = {
  quantiles: keys<Quantiles>({ n: true, min: true, max: true, mean: true, q: true, sketch: true }),
  freqTable: keys<FreqTable>({ distinct: true, top: true, tail: true }),
  arrivals: keys<Arrivals>({
    startMs: true,
    resolutionSeconds: true,
    counts: true,
    intensity: true,
    seasonality: true,
    hawkes: true,
    dispersionIndex: true,
    lag1Autocorrelation: true,
    fitMape: true,
    clumps: true,
  }),
  timestamps: keys<Timestamps>({
    presentShare: true,
    unit: true,
    lagMs: true,
    alignmentSeconds: true,
    alignedShare: true,
  }),
  series: keys<SeriesUniverse>({
    count: true,
    sources: true,
    keys: true,
    keySets: true,
    valuePairs: true,
    churn: true,
    pointsPerSeries: true,
    intervalSeconds: true,
    sameSecondShare: true,
  }),
  values: keys<ValueModel>({
    model: true,
    marginal: true,
    steps: true,
    lag1Autocorrelation: true,
    integerShare: true,
    decimals: true,
    nanShare: true,
    infShare: true,
    negativeShare: true,
    zeroShare: true,
    resetShare: true,
  }),
  histogram: keys<HistogramModel>({
    granularity: true,
    centroidsPerLine: true,
    centroidCount: true,
    centroidMean: true,
    totalCount: true,
    meanDecimals: true,
  }),
  span: keys<SpanModel>({
    durationMs: true,
    spansPerTrace: true,
    fanOut: true,
    depth: true,
    rootShare: true,
    spanLogShare: true,
    annotationKeys: true,
  }),
  codeShare: keys<CodeShare>({ code: true, stage: true, lines: true, share: true }),
  privacy: keys<Privacy>({ mode: true, k: true, salted: true }),
  familyRecipe: keys<Recipe>({
    schema: true,
    family: true,
    privacy: true,
    confidence: true,
    notes: true,
    totals: true,
    arrivals: true,
    timestamps: true,
    series: true,
    values: true,
    histogram: true,
    span: true,
    lineBytes: true,
    quoting: true,
    rejects: true,
  }),
  globalRecipe: keys<GlobalRecipe>({
    schema: true,
    run: true,
    privacy: true,
    window: true,
    mirrorFraction: true,
    totals: true,
    kinds: true,
    requests: true,
    rejects: true,
    lineBytes: true,
  }),
};

let compiled: Validators | undefined;

export function recipeSchema(): unknown {
  return validators().schema;
}

function validators(): Validators {
  return (compiled ??= loadValidators());
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const at = e.instancePath || '/';
    const extra =
      e.keyword === 'additionalProperties'
        ? ` '${String((e.params as { additionalProperty: string }).additionalProperty)}'`
        : e.keyword === 'enum'
          ? ` (${(e.params as { allowedValues: unknown[] }).allowedValues.join('|')})`
          : '';
    return `${at}: ${e.message ?? e.keyword}${extra}`;
  });
}

function quantileProblems(value: unknown, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => quantileProblems(v, `${path}/${i}`, out));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  if (Array.isArray(o.q) && typeof o.n === 'number' && 'sketch' in o) {
    const q = o.q as [number, number][];
    for (let i = 1; i < q.length; i++) {
      if (!(q[i]![0] > q[i - 1]![0])) out.push(`${path}/q: probabilities must increase`);
      if (!(q[i]![1] >= q[i - 1]![1])) out.push(`${path}/q: values must not decrease`);
    }
    if (o.n === 0 && q.length > 0) out.push(`${path}: an empty distribution has no quantiles`);
  }
  for (const [k, v] of Object.entries(o)) quantileProblems(v, `${path}/${k}`, out);
}

function arrivalProblems(a: Arrivals, path: string, out: string[]): void {
  if (a.counts.length !== a.intensity.length)
    out.push(`${path}: counts and intensity must have one entry per bucket`);
  const h = a.hawkes;
  if (h && Math.abs(h.alpha / h.beta - h.branchingRatio) > 1e-6 * Math.max(1, h.branchingRatio))
    out.push(`${path}/hawkes: branchingRatio must equal alpha/beta`);
}

/** Cross-field rules of a family recipe that JSON Schema cannot express. */
function familyProblems(r: Recipe): string[] {
  const out: string[] = [];
  const f = r.family;
  const sorted = [...new Set(f.tagKeys)].sort((a, b) =>
    Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  const key = [f.kind, f.name, ...sorted].join('\u001f');
  if (sorted.length !== f.tagKeys.length || sorted.some((k, i) => k !== f.tagKeys[i]))
    out.push('/family/tagKeys: must be sorted by byte order and unique');
  if (f.key !== key) out.push('/family/key: must be kind ␟ name ␟ sorted tag keys');
  else if (familyIdOfKey(f.key) !== f.id)
    out.push('/family/id: must be the first 16 hex of SHA-256(key)');
  const isHist = f.kind.startsWith('histogram_');
  if (isHist !== (r.histogram !== null))
    out.push('/histogram: present exactly for histogram kinds');
  if ((f.kind === 'span') !== (r.span !== null)) out.push('/span: present exactly for spans');
  if ((f.kind === 'metric' || f.kind === 'delta') !== (r.values !== null))
    out.push('/values: present exactly for metric and delta kinds');
  if (f.kind === 'delta' && r.values && r.values.model !== 'delta')
    out.push('/values/model: a delta family is delta');
  if (r.totals.firstMs > r.totals.lastMs) out.push('/totals: firstMs after lastMs');
  arrivalProblems(r.arrivals, '/arrivals', out);
  quantileProblems(r, '', out);
  return out;
}

function globalProblems(g: GlobalRecipe): string[] {
  const out: string[] = [];
  if (g.window.startMs > g.window.endMs) out.push('/window: startMs after endMs');
  if (g.totals.coveredLines > g.totals.lines) out.push('/totals: coveredLines exceeds lines');
  if (g.requests) arrivalProblems(g.requests.arrivals, '/requests/arrivals', out);
  quantileProblems(g, '', out);
  return out;
}

function check<T>(doc: unknown, what: string, v: ValidateFunction, extra: (d: T) => string[]): T {
  const problems = v(doc) ? extra(doc as T) : describe(v.errors);
  if (problems.length)
    throw new WflgError('WFLG_E_RECIPE_INVALID', `${what}: ${problems.slice(0, 20).join('; ')}`, {
      problems,
    });
  return doc as T;
}

/** Validates a parsed family recipe; throws WFLG_E_RECIPE_INVALID listing every problem. */
export function validateRecipe(doc: unknown, what = 'recipe'): Recipe {
  return check(doc, what, validators().family, familyProblems);
}

export function validateGlobalRecipe(doc: unknown, what = 'global recipe'): GlobalRecipe {
  return check(doc, what, validators().global, globalProblems);
}

/** True when a document declares a schema this build reads (same major version). */
export function compatibleSchema(doc: unknown): boolean {
  const s = (doc as { schema?: unknown } | null)?.schema;
  return s === RECIPE_SCHEMA || s === GLOBAL_SCHEMA;
}
