// The recipe schema's `quantiles` block both ways: built from a DDSketch (fixed probability grid,
// optional embedded sketch in a compact base64 form) by the profiler, and read back by compare and
// the generator — the embedded sketch decoded, or a CDF reconstructed from the pairs.
import type { Quantiles } from '../recipe.js';
import { WflgError } from '../errors.js';
import { DDSketch } from './ddsketch.js';

export const GRID = [
  0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 0.95, 0.99, 0.999,
  1,
];

/** Compact binary DDSketch: header doubles, then each store as offset + varint counts. */
export function encodeSketch(s: DDSketch): string {
  const j = s.toJSON();
  const parts: number[] = [];
  const varint = (x: number) => {
    let v = Math.round(x);
    while (v >= 128) {
      parts.push((v % 128) | 128);
      v = Math.floor(v / 128);
    }
    parts.push(v);
  };
  const zz = (x: number) => varint(x >= 0 ? 2 * x : -2 * x - 1);
  for (const st of [j.pos, j.neg]) {
    zz(st.offset);
    varint(st.counts.length);
    for (const c of st.counts) varint(c);
  }
  const head = Buffer.alloc(48);
  [j.alpha, j.count, j.sum, j.min, j.max, j.zero].forEach((v, i) => head.writeDoubleLE(v, i * 8));
  return Buffer.concat([head, Buffer.from(parts)]).toString('base64');
}

/** Bins decoded at most per store: far beyond the 2048 a DDSketch writes. */
const MAX_SKETCH_BINS = 1 << 16;

/**
 * Sketch bytes come from recipe files, which may be damaged or hostile: every read is bounded,
 * and anything but exactly the encoder's layout is refused with WFLG_E_RECIPE_INVALID.
 */
export function decodeSketch(b64: string): DDSketch {
  const b = Buffer.from(b64, 'base64');
  const bad = (why: string): never => {
    throw new WflgError('WFLG_E_RECIPE_INVALID', `sketch bytes: ${why}`);
  };
  if (b.length < 48) bad('shorter than its 48-byte header');
  const h = [0, 1, 2, 3, 4, 5].map((i) => b.readDoubleLE(i * 8));
  let at = 48;
  const varint = () => {
    let v = 0;
    let m = 1;
    for (;;) {
      if (at >= b.length) return bad('a varint runs past the end');
      const x = b[at++]!;
      v += (x & 127) * m;
      if (x < 128) return v;
      m *= 128;
      if (m > 2 ** 53) return bad('a varint exceeds 2^53');
    }
  };
  const zz = () => {
    const v = varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  };
  const store = () => {
    const offset = zz();
    const n = varint();
    if (n > MAX_SKETCH_BINS) bad(`${n} bucket counts declared, at most ${MAX_SKETCH_BINS}`);
    // Every count takes at least one byte, so more counts than bytes left is damage.
    if (n > b.length - at) bad(`${n} bucket counts declared, ${b.length - at} bytes left`);
    const counts = Array.from({ length: n }, varint);
    return { offset, counts };
  };
  const pos = store();
  const neg = store();
  if (at !== b.length) bad(`${b.length - at} bytes after the last store`);
  return DDSketch.fromJSON({
    alpha: h[0]!,
    count: h[1]!,
    sum: h[2]!,
    min: h[3]!,
    max: h[4]!,
    zero: h[5]!,
    pos,
    neg,
  });
}

/** The embedded sketch, when present, decodable and consistent with its own count. */
export function sketchOf(q: Quantiles): DDSketch | undefined {
  if (q.sketch?.type !== 'ddsketch') return undefined;
  try {
    const s = decodeSketch(q.sketch.data);
    return Number.isFinite(s.count) &&
      s.count > 0 &&
      s.count === s.points().reduce((a, [, n]) => a + n, 0)
      ? s
      : undefined;
  } catch {
    // A damaged sketch leaves the quantiles, which the schema has already vouched for.
    return undefined;
  }
}

export function quantilesOf(s: DDSketch, withSketch = false): Quantiles {
  if (s.count === 0) return { n: 0, min: 0, max: 0, mean: 0, q: [], sketch: null };
  const q: [number, number][] = [];
  let last = -Infinity;
  for (const p of GRID) {
    const v = Math.max(last, s.quantile(p));
    q.push([p, v]);
    last = v;
  }
  return {
    n: Math.round(s.count),
    min: s.min,
    max: s.max,
    mean: s.sum / s.count,
    q,
    sketch: withSketch ? { type: 'ddsketch', data: encodeSketch(s) } : null,
  };
}

/** Quantiles of a plain list of numbers (for small per-series lists). */
export function quantilesOfList(xs: readonly number[]): Quantiles {
  const s = new DDSketch();
  for (const x of xs) s.add(x);
  return quantilesOf(s);
}

/**
 * The right-continuous CDF a `quantiles` block describes (docs/formats/recipe.md): linear between
 * distinct values, a jump where several probabilities share one value; 0 below the first value,
 * 1 from the last on, NaN for an empty block.
 */
export function cdfOfQuantiles(q: Quantiles): (x: number) => number {
  const pts = q.q;
  if (q.n === 0 || pts.length === 0) return () => NaN;
  // Per distinct value, the lowest probability reached there (the limit from the left) and the
  // highest (the value at it): they differ where the value carries a point mass.
  const xs: number[] = [];
  const below: number[] = [];
  const at: number[] = [];
  for (const [p, v] of pts) {
    if (xs.length && xs[xs.length - 1] === v) at[at.length - 1] = p;
    else {
      xs.push(v);
      below.push(p);
      at.push(p);
    }
  }
  const knots = Float64Array.from(xs);
  const lo = xs[0]!;
  const hi = xs[xs.length - 1]!;
  return (x) => {
    if (x < lo) return 0;
    if (x >= hi) return 1;
    const a = segmentOf(knots, x);
    const b = a + 1;
    const f = (x - xs[a]!) / (xs[b]! - xs[a]!);
    return at[a]! + (below[b]! - at[a]!) * f;
  };
}

/**
 * The segment of ascending knots (at least two) that x falls on: the i in [0, length − 2] found by
 * bisection keeping xs[i] ≤ x < xs[i + 1] where x lies inside. Shared by every piecewise-linear
 * CDF or quantile function over knots; Float64Array only, so callers on hot paths stay
 * monomorphic.
 */
export function segmentOf(xs: Float64Array, x: number): number {
  let a = 0;
  let b = xs.length - 1;
  while (b - a > 1) {
    const m = (a + b) >> 1;
    if (xs[m]! <= x) a = m;
    else b = m;
  }
  return a;
}
