// The one source of seeded randomness and 32-bit hashing for every part of wflg (generator plans
// and synthesis, profiler samples, statistical simulations, sketches). sfc32 (Doty-Humphreys small
// fast counter) in 32-bit integer arithmetic: fast in V8, a 2^128 state, and the same stream on
// every platform, which is what makes "same recipes + seed + scenario ⇒ same bytes" hold. `hash32`
// derives independent streams and per-series identities from (seed, family, slot, generation)
// without storing them.

/** A 32-bit avalanche mix (murmur3 finaliser). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hash32(a: number, b = 0, c = 0, d = 0): number {
  let h = mix32(a ^ 0x9e3779b9);
  h = mix32(h ^ Math.imul(b | 0, 0x85ebca6b));
  h = mix32(h ^ Math.imul(c | 0, 0xc2b2ae35));
  return mix32(h ^ Math.imul(d | 0, 0x27d4eb2f));
}

/** A standard normal from two uniforms, `u` in (0, 1] and `v` in [0, 1) (Box–Muller). */
export function boxMuller(u: number, v: number): number {
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** The i-th sub-hash of an already mixed `h`: one mix, for the per-line identity draws. */
export function sub(h: number, i: number): number {
  return mix32((h + Math.imul(i, 0x9e3779b9)) | 0);
}

/** A string's 32-bit FNV-1a, for seeding from family ids. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return mix32(h);
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = hash32(seed, stream, 1);
    this.b = hash32(seed, stream, 2);
    this.c = hash32(seed, stream, 3);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform in (0, 1]: safe under log. */
  open(): number {
    return (this.u32() + 1) / 4294967296;
  }

  exp(rate: number): number {
    return -Math.log(this.open()) / rate;
  }

  /** Standard normal (Box–Muller, one of the pair kept: simpler state, determinism unaffected). */
  normal(): number {
    return boxMuller(this.open(), this.next());
  }

  /** Poisson(mean): inversion for small means, a rounded normal beyond (error < 0.5 % at 50). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean < 50) {
      const l = Math.exp(-mean);
      let k = 0;
      const p = this.next();
      let f = l;
      let cdf = l;
      while (p > cdf && k < 1000) {
        k++;
        f *= mean / k;
        cdf += f;
      }
      return k;
    }
    const x = Math.round(mean + Math.sqrt(mean) * this.normal());
    return x < 0 ? 0 : x;
  }
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const y =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + y) : 0.5 * (1 - y);
}

/** 32-bit MurmurHash3 of a string's UTF-16 code units; stable, seedable, not cryptographic. */
export function hashString32(s: string, seed = 0): number {
  let h = seed >>> 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = (s.charCodeAt(i) & 0xffff) | ((s.charCodeAt(i + 1) & 0xffff) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = s.charCodeAt(i) & 0xffff;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  return mix32(h ^ n);
}
