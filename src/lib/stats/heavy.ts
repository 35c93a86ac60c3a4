// Frequent items with the Misra–Gries summary, which is mergeable (Agarwal et al., "Mergeable
// Summaries", PODS 2012): every count is under-estimated by at most (N − Σkept)/(capacity + 1).
// Exact while fewer than `capacity` distinct keys have been seen. Ties are broken by key so the
// result does not depend on insertion order.

export interface FrequentItem {
  readonly key: string;
  readonly count: number;
}

export class MisraGries {
  private readonly counts = new Map<string, number>();
  /** Total weight added, including what the summary no longer attributes to a key. */
  total = 0;
  /** Weight subtracted by decrements: the bound on any key's under-count. */
  dropped = 0;

  constructor(readonly capacity = 256) {}

  add(key: string, n = 1): void {
    this.total += n;
    const c = this.counts.get(key);
    if (c !== undefined) {
      this.counts.set(key, c + n);
      return;
    }
    this.counts.set(key, n);
    if (this.counts.size > this.capacity) this.shrink();
  }

  /** Subtracts the (capacity+1)-th largest count from all and drops non-positive keys. */
  private shrink(): void {
    const sorted = [...this.counts.values()].sort((a, b) => b - a);
    const cut = sorted[this.capacity] ?? 0;
    if (cut <= 0) return;
    this.dropped += cut;
    for (const [k, c] of this.counts) {
      if (c - cut > 0) this.counts.set(k, c - cut);
      else this.counts.delete(k);
    }
  }

  merge(o: MisraGries): this {
    for (const [k, c] of o.counts) this.counts.set(k, (this.counts.get(k) ?? 0) + c);
    this.total += o.total;
    this.dropped += o.dropped;
    if (this.counts.size > this.capacity) this.shrink();
    return this;
  }

  get exact(): boolean {
    return this.dropped === 0;
  }

  /** Items by count descending, then key ascending. */
  top(n = Infinity): FrequentItem[] {
    return [...this.counts]
      .map(([key, count]) => ({ key, count }))
      .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .slice(0, n);
  }

  get size(): number {
    return this.counts.size;
  }

  state(): { capacity: number; total: number; dropped: number; items: Array<[string, number]> } {
    return {
      capacity: this.capacity,
      total: this.total,
      dropped: this.dropped,
      items: [...this.counts],
    };
  }

  static fromState(s: ReturnType<MisraGries['state']>): MisraGries {
    const m = new MisraGries(s.capacity);
    for (const [k, c] of s.items) m.counts.set(k, c);
    m.total = s.total;
    m.dropped = s.dropped;
    return m;
  }
}
