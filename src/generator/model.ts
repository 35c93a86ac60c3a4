// A family recipe compiled for synthesis: arrival curve, Hawkes kernel, the series vocabulary as
// prebuilt byte pieces (` source="x"`, ` "k"="v"`), and samplers for values, histograms and spans.
// Compiled once per worker from the validated recipe; nothing here runs per line except the
// samplers' O(1)/O(log n) draws.
import { SOURCE_PAIR_KEY, type FreqTable, type Recipe } from '../lib/recipe.js';
import { Alias, QuantileSampler, samplerOf, type Sampler } from './dist.js';
import { hash32, hashString, type Rng } from '../lib/rng.js';
import { branchingWithin } from '../lib/stats/hawkes.js';
import { bucketSwings, type BucketSwings } from './swings.js';

/** Cap on values minted from a freqTable's tail model per key (vocabulary memory stays flat). */
const MAX_TAIL_VALUES = 4096;
/** `pair.a`/`pair.b` value naming the series source instead of a key index. */
export const SOURCE = -1;
const CHARSETS: Record<string, string> = {
  digits: '0123456789',
  hex: '0123456789abcdef',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  alpha: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ',
  alnum: 'abcdefghijklmnopqrstuvwxyz0123456789',
  mixed: 'abcdefghijklmnopqrstuvwxyz0123456789-_.',
  empty: 'x',
};

/** Quoted as the native formatter quotes (native/core/src/format.rs `write_text`); undefined when
 * the text cannot be carried (newline, trailing backslash): such values are left out. */
function quoteToken(s: string): string | undefined {
  if (s.includes('\n') || s.endsWith('\\')) return undefined;
  return `"${s.replaceAll('"', '\\"')}"`;
}

/**
 * Texts the proxy's tokenizer reads back unchanged when written bare (wavefront-format.md §2-3):
 * no whitespace, `=`, quote or `#` anywhere, ASCII only. Names: the legal name characters, with
 * the leading delta or `~`. Keys: no leading digit (after a value with no timestamp it would be
 * taken for one).
 */
const BARE = {
  name: /^(?:[\u2206\u0394]~?|~)?[A-Za-z0-9_,./-]+$/,
  key: /^[A-Za-z_][A-Za-z0-9_,./:-]*$/,
  value: /^[A-Za-z0-9_,./:@+%-]+$/,
} as const;

/** `s` as a token the way the capture mostly wrote that kind of token (`quotedShare`), bare only
 * where that is safe; undefined when it cannot be written at all. */
function token(s: string, role: keyof typeof BARE, quotedShare: number): string | undefined {
  return quotedShare < 0.5 && BARE[role].test(s) ? s : quoteToken(s);
}

export interface Vocab {
  readonly pieces: Buffer[];
  readonly values: string[];
  readonly alias: Alias;
  /** Each value's share of the family's lines (the weights normalised). */
  readonly shares: Float64Array;
}

function mint(key: string, i: number, t: FreqTable['tail'], lengths: QuantileSampler): string {
  const cs = CHARSETS[t.charClass] ?? CHARSETS.alnum!;
  const h = hash32(hashString(key), i);
  const len = Math.max(1, Math.round(lengths.at((h >>> 8) / 16777216)));
  let s = '';
  let x = h;
  for (let j = 0; j < len; j++) {
    x = hash32(x, j);
    s += cs[x % cs.length];
  }
  return s;
}

/** Values of a freqTable with their weights; the tail's values are minted (Zipf when fitted). */
function vocab(key: string, t: FreqTable, render: (v: string) => string | undefined): Vocab {
  const values: string[] = [];
  const weights: number[] = [];
  const pieces: Buffer[] = [];
  const add = (v: string, w: number): void => {
    const text = render(v);
    if (text === undefined) return;
    values.push(v);
    weights.push(w);
    pieces.push(Buffer.from(text, 'utf8'));
  };
  for (const e of t.top) add(e.v, e.n);
  const tail = Math.min(t.tail.distinct, MAX_TAIL_VALUES);
  if (tail > 0 && t.tail.count > 0) {
    const lengths = new QuantileSampler(t.tail.length, 8);
    const s = t.tail.zipfS ?? 0;
    let norm = 0;
    for (let i = 1; i <= tail; i++) norm += 1 / Math.pow(i, s);
    for (let i = 1; i <= tail; i++)
      add(mint(key, i, t.tail, lengths), (t.tail.count * (1 / Math.pow(i, s))) / norm);
  }
  if (values.length === 0) add(key === 'source' ? 'unknown' : 'none', 1);
  const total = weights.reduce((a, b) => a + Math.max(0, b), 0);
  const shares = Float64Array.from(weights, (w) => (total > 0 ? Math.max(0, w) / total : 0));
  return { pieces, values, alias: new Alias(weights), shares };
}

/** Value → index in the vocabulary; a minted value equal to an earlier one keeps the first. */
function indexOfValue(v: Vocab): Map<string, number> {
  const m = new Map<string, number>();
  v.values.forEach((x, i) => {
    if (!m.has(x)) m.set(x, i);
  });
  return m;
}

export interface KeyModel {
  readonly key: string;
  readonly presence: number;
  readonly vocab: Vocab;
}

export interface FamilyModel {
  readonly recipe: Recipe;
  readonly id: string;
  readonly seed: number;
  readonly kind: Recipe['family']['kind'];
  /** `"name"` (metrics, spans) */
  readonly namePiece: Buffer;
  /** Lines/s of the full stream at 1×, per bucket, looped over the capture window. */
  readonly intensity: Float64Array;
  readonly bucketSeconds: number;
  /** The family's arrival window in recipe (capture) time. */
  readonly startMs: number;
  readonly endMs: number;
  readonly meanRate: number;
  /** Exponential kernel α e^{-βt}; branching ratio α/β. Null: Poisson. */
  readonly hawkes: { readonly branching: number; readonly beta: number } | null;
  /** Share of the rate planned on a regular schedule instead of as Poisson arrivals: 1 − D for
   * a family whose counts are under-dispersed (index of dispersion D < 1: regular scrapes), else
   * 0. Poisson arrivals alone give every family D = 1; the regular share keeps the mean and
   * leaves the variance D × the mean, at every bucket width. */
  readonly regularShare: number;
  /** Bucket-to-bucket swings of the rate beyond Poisson (swings.ts); null with a Hawkes model,
   * whose bursts are those swings. */
  readonly swings: BucketSwings | null;
  readonly seriesCount: number;
  readonly churnPerSecond: number;
  readonly sources: Vocab;
  readonly keys: KeyModel[];
  /** Co-occurring values of the most dependent key pair: indexes into keys[a]/keys[b] vocab;
   * a or b is SOURCE (-1) when the pair's key is the series source (then into `sources`). */
  readonly pair: { a: number; b: number; alias: Alias; va: Int32Array; vb: Int32Array } | null;
  readonly valueModel: NonNullable<Recipe['values']>['model'];
  readonly marginal: Sampler;
  readonly steps: QuantileSampler;
  readonly rho: number;
  /** Digits after the point of a line's value. */
  readonly precision: Precision;
  readonly tsUnit: 's' | 'ms' | 'none';
  readonly tsPresent: number;
  readonly alignSeconds: number;
  readonly lagMs: QuantileSampler;
  readonly hist: {
    perLine: QuantileSampler;
    count: QuantileSampler;
    mean: QuantileSampler;
    binSeconds: number;
    /** Digits after the point a line's means are written with; drawn once per line. */
    precision: Precision;
  } | null;
  readonly span: {
    duration: QuantileSampler;
    perTrace: QuantileSampler;
    fanOut: QuantileSampler;
  } | null;
  readonly resetShare: number;
}

/** Centroid means' digits for recipes written before `histogram.meanDecimals`. */
const MEAN_DECIMALS = [{ digits: 3, share: 1 }];

/**
 * Digits after the point, drawn per line from a recipe's shares (no draw when there is one).
 * Capped where the fixed-point writer's range ends (`Out.fixed`; past it a value prints in JS's
 * shortest form): a cap of 9 made the CloudWatch sums' binary residues (`92.85799999999999`, a
 * quarter of some families' lines) five digits short.
 */
export class Precision {
  private readonly alias: Alias;
  private readonly digits: Int32Array;

  constructor(shares: readonly { digits: number; share: number }[], max = 15) {
    this.alias = new Alias(shares.map((x) => x.share));
    this.digits = Int32Array.from(shares.map((x) => Math.min(max, x.digits)));
  }

  draw(rng: Rng): number {
    return this.digits.length > 1 ? this.digits[this.alias.pick(rng.next())]! : this.digits[0]!;
  }
}

export function compileFamily(r: Recipe): FamilyModel {
  const a = r.arrivals;
  const intensity = Float64Array.from(a.intensity.length ? a.intensity : [0]);
  let sum = 0;
  for (const v of intensity) sum += v;
  const meanRate = sum / intensity.length;
  const h = a.hawkes;
  // Bursts only from a fit the recipe itself trusts: a Hawkes model its time-rescaling test
  // rejected (p < 0.01) would add variance the capture never showed — a near-critical branching
  // ratio makes a short run's volume a lottery (Fano factor 1/(1−n)², 2,500 at n = 0.98). The
  // intensity curve alone (an NHPP) then carries the shape, as docs/formats/recipe.md says. Nor
  // bursts the counts themselves do not show: the branching ratio is held to what the recipe's
  // index of dispersion allows.
  const fitted =
    h && h.branchingRatio > 0 && h.branchingRatio < 1 && h.beta > 0 && h.gof.pValue >= 0.01
      ? branchingWithin(h.branchingRatio, h.beta, a.resolutionSeconds, a.dispersionIndex)
      : 0;
  const trustedHawkes = fitted > 0 ? { branching: fitted, beta: h!.beta } : null;
  const keyIndex = new Map<string, number>();
  const quoting = r.quoting;
  const keys: KeyModel[] = r.series.keys.map((k, i) => {
    keyIndex.set(k.key, i);
    const kq = token(k.key, 'key', quoting.keys)!;
    return {
      key: k.key,
      presence: k.presence,
      vocab: vocab(k.key, k.values, (v) => {
        const q = token(v, 'value', quoting.values);
        return q === undefined || v.trim() === '' ? undefined : ` ${kq}=${q}`;
      }),
    };
  });
  const sources = vocab('source', r.series.sources, (s) => {
    const q = token(s, 'value', quoting.source);
    return q === undefined || s.trim() === '' ? undefined : ` source=${q}`;
  });
  const indexOf = (key: string): number | undefined =>
    key === SOURCE_PAIR_KEY ? SOURCE : keyIndex.get(key);
  const vocabOf = (i: number): Vocab => (i === SOURCE ? sources : keys[i]!.vocab);
  let pair: FamilyModel['pair'] = null;
  const vp = r.series.valuePairs[0];
  const pa = vp && indexOf(vp.a);
  const pb = vp && indexOf(vp.b);
  if (vp && vp.pairs.length > 0 && pa !== undefined && pb !== undefined) {
    // Looked up, not searched: up to 1024 pairs against vocabularies of thousands, per family
    // and worker, at every start and reload.
    const ofA = indexOfValue(vocabOf(pa));
    const ofB = indexOfValue(vocabOf(pb));
    const va: number[] = [];
    const vb: number[] = [];
    const w: number[] = [];
    for (const [x, y, n] of vp.pairs) {
      const ia = ofA.get(x);
      const ib = ofB.get(y);
      if (ia !== undefined && ib !== undefined) {
        va.push(ia);
        vb.push(ib);
        w.push(n);
      }
    }
    if (w.length)
      pair = {
        a: pa,
        b: pb,
        alias: new Alias(w),
        va: Int32Array.from(va),
        vb: Int32Array.from(vb),
      };
  }
  const v = r.values;
  const decimals = v?.decimals.length ? v.decimals : [{ digits: 2, share: 1 }];
  const unit = r.timestamps.unit;
  const hist = r.histogram;
  const span = r.span;
  return {
    recipe: r,
    id: r.family.id,
    seed: hashString(r.family.id),
    kind: r.family.kind,
    namePiece: Buffer.from(token(r.family.name, 'name', quoting.name) ?? '"invalid"', 'utf8'),
    intensity,
    bucketSeconds: a.resolutionSeconds,
    startMs: a.startMs,
    endMs: a.startMs + intensity.length * a.resolutionSeconds * 1000,
    meanRate,
    hawkes: trustedHawkes,
    regularShare: a.dispersionIndex >= 0 && a.dispersionIndex < 1 ? 1 - a.dispersionIndex : 0,
    swings: trustedHawkes ? null : bucketSwings(a),
    seriesCount: Math.max(1, r.series.count),
    churnPerSecond: r.series.churn.deathsPerMinute / 60,
    sources,
    keys,
    pair,
    valueModel: v?.model ?? 'gauge',
    // Values from the embedded sketch (1 % resolution, drawn across each bucket): the 19 grid
    // pairs alone smear clusters and gaps, which per-family KS and JS see at a few hundred lines.
    marginal: v ? samplerOf(v.marginal, 1, true) : new QuantileSampler(r.lineBytes, 1),
    steps: new QuantileSampler(v?.steps ?? r.lineBytes, 1),
    rho: Math.max(-0.999, Math.min(0.999, v?.lag1Autocorrelation ?? 0)),
    precision: new Precision(decimals),
    tsUnit: unit === 'ms' || unit === 'us' || unit === 'ns' ? 'ms' : unit === 'none' ? 'none' : 's',
    tsPresent: r.timestamps.presentShare,
    alignSeconds: r.timestamps.alignedShare >= 0.5 ? r.timestamps.alignmentSeconds : 0,
    lagMs: new QuantileSampler(r.timestamps.lagMs, 0),
    hist: hist && {
      perLine: new QuantileSampler(hist.centroidsPerLine, 1),
      count: new QuantileSampler(hist.centroidCount, 1),
      mean: new QuantileSampler(hist.centroidMean, 0),
      binSeconds: hist.granularity === 'minute' ? 60 : hist.granularity === 'hour' ? 3600 : 86400,
      precision: new Precision(hist.meanDecimals?.length ? hist.meanDecimals : MEAN_DECIMALS),
    },
    span: span && {
      duration: new QuantileSampler(span.durationMs, 1),
      perTrace: new QuantileSampler(span.spansPerTrace, 1),
      fanOut: new QuantileSampler(span.fanOut, 1),
    },
    resetShare: v?.resetShare ?? 0,
  };
}

/** Line rate of the family at 1× at recipe time `ms` (capture time); 0 outside its window, so a
 * family that lived for an hour of a day-long capture sends for that hour only. */
export function intensityAt(m: FamilyModel, ms: number): number {
  if (ms < m.startMs || ms >= m.endMs) return 0;
  return m.intensity[Math.floor((ms - m.startMs) / (m.bucketSeconds * 1000))] ?? 0;
}

/** The recipe set's time span: plan time maps onto it and loops past its end. */
export function recipeSpan(models: readonly FamilyModel[]): { originMs: number; spanMs: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of models) {
    lo = Math.min(lo, m.startMs);
    hi = Math.max(hi, m.endMs);
  }
  return Number.isFinite(lo) && hi > lo
    ? { originMs: lo, spanMs: hi - lo }
    : { originMs: 0, spanMs: 1 };
}
