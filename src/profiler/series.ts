// The tracked-series sample of one family: the `cap` series with the smallest 53-bit series hash
// (a uniform sample, since the hash is), each with its complete history in this profile. Memory:
// ≤ cap records of ~20 numbers plus the series' tag strings — cap 1024 → up to 2 × cap records between trims, ~400 KiB per family at
// worst, reached only by families with more than `cap` series.

export interface SeriesRec {
  key: number;
  /** first/last time seen on the time axis (ms) */
  first: number;
  last: number;
  n: number;
  /** last point's timestamp (ms; the time axis when the line has none) */
  lastTs: number;
  collisions: number;
  /** Last and first value of the history (NaN when not finite): the pair across a boundary
   * with the next part's history. */
  prev: number;
  firstV: number;
  /** Finite values (Σx and Σx² are over these). */
  nf: number;
  /** Consecutive pairs of finite values, with Σ x_t·x_{t−1} in `sxy` and Σ(x_t + x_{t−1}) here:
   * what the lag-1 estimate centres, exactly. */
  pairs: number;
  pairSums: number;
  sx: number;
  sxx: number;
  sxy: number;
  decreases: number;
  source: string;
  tags: Array<[string, string]>;
  /** How its first line was written (ParsedBatch.quoting). */
  quoting: [number, number, number, number, number];
}

/**
 * Folds `r`'s history into `m`'s. A history wholly after (or before) the other continues it: the
 * pair across the boundary is added. Overlapping histories (one series through two capture hosts)
 * cannot be interleaved from sums; their pairs stay as they were, and no boundary pair is made up.
 */
function joinHistories(m: SeriesRec, r: SeriesRec): void {
  const pair = (a: number, b: number): void => {
    if (Number.isFinite(a) && Number.isFinite(b)) {
      m.sxy += a * b;
      m.pairs++;
      m.pairSums += a + b;
      if (b < a) m.decreases++;
    }
  };
  if (r.first >= m.last) {
    pair(m.prev, r.firstV);
    m.prev = r.prev;
  } else if (r.last <= m.first) {
    pair(r.prev, m.firstV);
    m.firstV = r.firstV;
  }
}

export class SeriesSample {
  readonly byKey = new Map<number, SeriesRec>();
  /** Largest key admitted once full (keys above it are outside the sample for good). */
  private threshold = Infinity;

  constructor(readonly cap = 1024) {}

  /** The record of `key` if the series is (or now enters) the sample; undefined otherwise. */
  get(key: number): SeriesRec | undefined {
    return this.byKey.get(key);
  }

  admits(key: number): boolean {
    return key <= this.threshold;
  }

  insert(rec: SeriesRec): void {
    this.byKey.set(rec.key, rec);
    if (this.byKey.size >= 2 * this.cap) this.evict();
  }

  /** Trims to the `cap` smallest keys; run when the map doubles, so one sort per cap inserts. */
  private evict(): void {
    if (this.byKey.size <= this.cap) return;
    const keys = [...this.byKey.keys()].sort((a, b) => a - b);
    for (const k of keys.slice(this.cap)) this.byKey.delete(k);
    this.threshold = Math.min(this.threshold, keys[this.cap - 1]!);
  }

  merge(recs: readonly SeriesRec[]): this {
    for (const r of recs) {
      if (r.key > this.threshold) continue;
      const m = this.byKey.get(r.key);
      if (!m) {
        this.byKey.set(r.key, { ...r, tags: r.tags });
        continue;
      }
      joinHistories(m, r);
      if (r.first < m.first) m.first = r.first;
      if (r.last > m.last) {
        m.last = r.last;
        m.lastTs = r.lastTs;
      }
      m.n += r.n;
      m.collisions += r.collisions;
      m.sx += r.sx;
      m.sxx += r.sxx;
      m.sxy += r.sxy;
      m.nf += r.nf;
      m.pairs += r.pairs;
      m.pairSums += r.pairSums;
      m.decreases += r.decreases;
    }
    if (this.byKey.size > this.cap) this.evict();
    return this;
  }

  records(): SeriesRec[] {
    this.evict();
    return [...this.byKey.values()].sort((a, b) => a.key - b.key);
  }

  get complete(): boolean {
    this.evict();
    return this.threshold === Infinity;
  }
}
