// Line weights for the series of a small universe, and the picker that sends by them.
//
// Identities are drawn from the recipe's tag tables, which count lines. Over many series, equal
// sends per series then show every value at its line share. A universe of a few series cannot:
// identities must be distinct, so they spread over the values, and equal sends give each value
// the same share. The public corpus's LLM family has two series, one per workload, and sends
// 69 % of its lines as one of them; sent round-robin, the two read 50/50 (tag JS 0.026, and the
// line-size median moves to the shorter value's line).
//
// Raking (iterative proportional fitting) gives the weights closest to uniform, in KL divergence,
// whose line shares per key are the recipe's, over the values the universe holds. Where the
// margins cannot all hold at once (values tied by a pair), it settles on the nearest compromise.
// The picker then sends slots in proportion to the weights along a golden-ratio sequence: each
// slot comes round at near-even intervals, as under round-robin, rather than in random runs.

/** One key's (or the source's) margin: each slot's category and each category's line share. */
export interface Margin {
  readonly cats: Int32Array;
  readonly target: Float64Array;
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;
/** Weights relative to the heaviest slot never fall below this: every series keeps sending. */
const MIN_WEIGHT = 1e-9;

/**
 * Rakes `w[0..n)` (reset to 1 first) towards every margin's line shares, restricted to the
 * categories some slot holds (a value no series carries cannot be sent). Returns the largest
 * share error left, over all margins.
 */
export function rake(margins: readonly Margin[], n: number, w: Float64Array, rounds = 64): number {
  w.fill(1, 0, n);
  const prepared = margins.map((m) => {
    const held = new Float64Array(m.target.length);
    for (let j = 0; j < n; j++) held[m.cats[j]!] = 1;
    let mass = 0;
    for (let c = 0; c < held.length; c++) mass += held[c]! * m.target[c]!;
    // No held category has a share (the table and the universe disagree entirely): nothing to fit.
    const goal = Float64Array.from(held, (h, c) => (mass > 0 ? (h * m.target[c]!) / mass : 0));
    return { cats: m.cats, goal, sums: new Float64Array(goal.length), usable: mass > 0 };
  });
  let worst = 0;
  for (let r = 0; r < rounds; r++) {
    worst = 0;
    for (const p of prepared) {
      if (!p.usable) continue;
      const sums = p.sums.fill(0);
      let total = 0;
      for (let j = 0; j < n; j++) {
        sums[p.cats[j]!]! += w[j]!;
        total += w[j]!;
      }
      for (let c = 0; c < sums.length; c++) {
        if (sums[c] === 0) continue;
        const share = sums[c]! / total;
        worst = Math.max(worst, Math.abs(share - p.goal[c]!));
        // A held category with no share is only pushed down to MIN_WEIGHT: its series still
        // send now and then (they are in the universe because the capture had them).
        sums[c] = p.goal[c]! / share;
      }
      let max = 0;
      for (let j = 0; j < n; j++) max = Math.max(max, (w[j]! *= sums[p.cats[j]!]!));
      // Margins that pull apart (each wants all its lines from slots the other starves) would
      // shrink weights round after round until they underflow: rescale, and keep a floor.
      for (let j = 0; j < n; j++) w[j] = Math.max(MIN_WEIGHT, w[j]! / max);
    }
    if (worst < 1e-5) break;
  }
  return worst;
}

/** Picks slots in proportion to their weights, each at near-even intervals. */
export class WeightedPicker {
  private cum = new Float64Array(0);
  private n = 0;
  private u = 0;

  /** Slots 0..n−1 with weights `w`; the sequence carries on from where it was. */
  set(w: Float64Array, n: number): void {
    if (this.cum.length < n) this.cum = new Float64Array(Math.max(n, 2 * this.cum.length));
    let s = 0;
    for (let j = 0; j < n; j++) this.cum[j] = s += w[j]!;
    for (let j = 0; j < n; j++) this.cum[j]! /= s;
    this.n = n;
  }

  next(): number {
    this.u += GOLDEN;
    if (this.u >= 1) this.u -= 1;
    const cum = this.cum;
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cum[mid]! > this.u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
