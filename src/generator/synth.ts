// One family's lines in one worker: the worker's shard of the series universe (round-robin, so
// each series reports at an even interval, and never twice in one second; small universes of
// events kinds by line weight instead, see weights.ts), churn, identities
// derived from (family seed, slot, generation) instead of stored, values from the value model,
// histogram centroids, trace structure, drift and injected malformed lines. Per active series the
// state is 20 bytes (last second sent, generation, identity hash, value state), 8-16 bytes of
// identity table and 1-4 bytes per key of drawn value indices.
import { SOURCE, type FamilyModel } from './model.js';
import { normalCdf, hash32, sub, Rng } from '../lib/rng.js';
import type { Out } from './out.js';
import { shardSeries, SLOT_MS } from './plan.js';
import { TagCache } from './tag-cache.js';
import { rake, WeightedPicker, type Margin } from './weights.js';

const U = 1 / 4294967296;
const SPACE = 32;
const NL = 10;
const SRC_EQ = Buffer.from(' source=');
const TRACE_EQ = Buffer.from(' traceId=');
const SPAN_EQ = Buffer.from(' spanId=');
const PARENT_EQ = Buffer.from(' parent=');
const HIST_G: Record<string, Buffer> = {
  histogram_m: Buffer.from('!M '),
  histogram_h: Buffer.from('!H '),
  histogram_d: Buffer.from('!D '),
};
const DRIFT_KEY = Buffer.from(' "drift"="');
/** What a small Buffer costs beyond its bytes (its object and slab reference), for the budget. */
const SUFFIX_OVERHEAD = 96;
/** A slot of the combination array (a pointer in V8's heap). */
const SLOT_BYTES = 8;
const MALFORMED = {
  300: Buffer.from(' not-a-number'),
  406: Buffer.from(' 1 source=""'),
  414: Buffer.from(' 1 source="s" "k"=""'),
  400: Buffer.from('"bad name!" 1 source="s"'),
};
const MALFORMED_CODES = [300, 406, 414, 400] as const;
/** Universes up to this many series (all shards') send by line weights (weights.ts); larger ones
 * round-robin, where independent draws from the line-weighted tables already give each value its
 * line share. Raking costs O(series × keys) per change of the universe (~1 ms at the bound). */
export const WEIGHTED_MAX = 4096;
/** Universes up to this many series have their identities drawn whole by every shard (see
 * setUniverse); past it each shard draws its own slots' in its residue class of identity keys.
 * Costs each shard up to this many identity draws per family beyond its own. At least
 * WEIGHTED_MAX: weights are raked over the whole universe. */
export const SHARED_MAX = WEIGHTED_MAX;

export interface SynthCounters {
  lines: number;
  capped: number;
  malformed: number;
  /** A sample of values sent (for online divergence); reset by the reader. */
  samples: Float64Array;
  sampleCount: number;
  seen: number;
}

export class FamilySynth {
  private lastSec: Uint32Array;
  private gen: Uint32Array;
  /** Identity hash per slot (from seed, slot and generation), kept so lines skip re-deriving it. */
  private hs: Uint32Array;
  private state: Float64Array;
  private active = 0;
  private cursor = 0;
  /** Line weights of the active slots (events kinds, small universes); see weights.ts. */
  private weights = new Float64Array(0);
  private weightsAll = new Float64Array(0);
  private readonly picker = new WeightedPicker();
  private weighted = false;
  /** The universe or an identity changed since the weights were raked. */
  private reweigh = true;
  private traceLeft = 0;
  private trace = new Uint32Array(4);
  private parentWords = new Uint32Array(4);
  private spanIndex = 0;
  /** Global series slot of the line being rendered, and its index in this shard. */
  private slot = 0;
  private j = 0;
  /** Per key (then the source, last): each slot's drawn value index + 2 (1 = key absent, 0 = not
   * drawn yet). Identities the byte cache cannot hold render from these without re-hashing:
   * 1–4 bytes per key and series, the narrowest type the vocabulary fits. */
  private vix: Array<Uint8Array | Uint16Array | Uint32Array> = [];

  private readonly means = new Float64Array(64);
  readonly counters: SynthCounters = {
    lines: 0,
    capped: 0,
    malformed: 0,
    samples: new Float64Array(256),
    sampleCount: 0,
    seen: 0,
  };

  constructor(
    readonly m: FamilyModel,
    private readonly shard: number,
    private readonly shards: number,
    /** Not adopted across a reload: the new recipe may render the same identity differently. */
    readonly tagCache = new TagCache(),
    /** Keep each slot's drawn value indices and prebuilt tag combinations (off only for tests'
     * reference renderings, which draw and copy every value each time). */
    private readonly keepIndices = true,
  ) {
    this.lastSec = new Uint32Array(0);
    this.gen = new Uint32Array(0);
    this.hs = new Uint32Array(0);
    this.lagOf = new Float32Array(0);
    this.writesStamp = m.kind === 'metric' || m.kind === 'delta';
    this.state = new Float64Array(0);
    let combos = 1;
    for (const k of m.keys) combos *= k.vocab.pieces.length + 1;
    this.combos = keepIndices && m.keys.length > 1 && combos <= 4096 ? combos : 0;
  }

  /** Takes over the series state of the same family from before a recipe reload. The seed comes
   * from the family id, so the identity hashes carry over as they are. */
  adopt(prev: FamilySynth): void {
    // Value indices are not adopted: they index the previous recipe's vocabularies.
    this.vix = this.indexColumns(prev.lastSec.length);
    this.lastSec = prev.lastSec;
    this.gen = prev.gen;
    this.hs = prev.hs;
    this.state = prev.state;
    this.active = prev.active;
    this.cursor = prev.cursor;
    this.reweigh = true;
    this.ids = prev.ids;
    this.idCount = prev.idCount;
    this.assigned = prev.assigned;
    this.shared = prev.shared;
    this.sharedHs = prev.sharedHs;
    this.total = prev.total;
    // Lags come from the new recipe's model.
    this.lagOf = new Float32Array(prev.lagOf.length);
    for (let j = 0; j < this.assigned; j++) this.lagOf[j] = this.lagFor(this.hs[j]!);
  }

  /**
   * Per slot: the series' timestamp lag (ms, ≥ 0), NaN when it writes none. Fixed per identity,
   * so it is drawn once per identity rather than once or twice per line (that cost 8 % of the
   * realistic throughput). Float32: sub-ms below 10⁵ s of lag, 4 B per series.
   */
  private lagOf: Float32Array;

  private lagFor(h: number): number {
    return this.stamped(h) ? Math.max(0, this.m.lagMs.at(sub(h, 8) * U)) : NaN;
  }

  /** Identities that collided in a vocabulary too small for the universe (sent anyway). */
  collisions = 0;
  private ids = new Uint32Array(0);
  private idCount = 0;

  /** A hash of what the wire shows for identity `h`: source, replica and every tag value. */
  private identityKey(h: number, slot: number): number {
    const m = this.m;
    let k = hash32(this.sourceIndex(h), Math.floor(slot / m.seriesCount));
    const pi = this.pairIndex(h);
    for (let i = 0; i < m.keys.length; i++) k = hash32(k, this.valueIndex(h, i, pi) + 2, i);
    return k >>> 0 || 1;
  }

  /** The value pair identity `h` draws, or -1 without a pair. */
  private pairIndex(h: number): number {
    const pair = this.m.pair;
    return pair ? pair.alias.pick(sub(h, 2) * U) : -1;
  }

  /** Key `i`'s value index for identity `h` (pair `pi` from `pairIndex`); -1 when absent. What
   * `identityKey` hashes and `keys` renders, so identities are unique in what the wire shows. */
  private valueIndex(h: number, i: number, pi: number): number {
    const key = this.m.keys[i]!;
    if (key.presence < 1 && sub(h, 10 + i) * U >= key.presence) return -1;
    const pair = this.m.pair;
    if (pair && i === pair.a) return pair.va[pi]!;
    if (pair && i === pair.b) return pair.vb[pi]!;
    return key.vocab.alias.pick(sub(h, 40 + i) * U);
  }

  /** Open-addressing insert; false when the identity is taken already. */
  private claim(key: number): boolean {
    if ((this.idCount + 1) * 2 > this.ids.length) this.rehash(Math.max(1024, this.ids.length * 2));
    const mask = this.ids.length - 1;
    for (let i = key & mask; ; i = (i + 1) & mask) {
      const v = this.ids[i]!;
      if (v === 0) {
        this.ids[i] = key;
        this.idCount++;
        return true;
      }
      if (v === key) return false;
    }
  }

  private rehash(size: number): void {
    const old = this.ids;
    this.ids = new Uint32Array(size);
    this.idCount = 0;
    for (const v of old) if (v !== 0) this.claim(v);
  }

  /**
   * Gives slot j an identity no other slot holds, here or in another shard: a candidate is taken
   * only when it is unused (and, past SHARED_MAX, when its key falls in this shard's residue
   * class), else the generation moves on. Retired identities stay claimed (a series that died
   * does not come straight back). A churned identity below SHARED_MAX is unused as far as this
   * shard knows; another shard's churn, which it does not see, may rarely pick the same.
   */
  private assign(j: number): void {
    const slot = j * this.shards + this.shard;
    this.tagCache.drop(j);
    for (const col of this.vix) col[j] = 0;
    this.gen[j] = this.draw(slot, this.gen[j]!, slot >= SHARED_MAX, true);
    this.hs[j] = hash32(this.m.seed, slot, this.gen[j]);
    if (slot < this.sharedHs.length) this.sharedHs[slot] = this.hs[j];
    this.lagOf[j] = this.lagFor(this.hs[j]);
  }

  /** The first generation from `gen` on whose identity for `slot` is unclaimed (with `residue`,
   * also in this shard's residue class), now claimed; past the tries, the last one tried, and a
   * collision counted when the slot is this shard's. */
  private draw(slot: number, gen: number, residue: boolean, own: boolean): number {
    const tries = 16 * this.shards;
    for (let t = 0; t < tries; t++) {
      const key = this.identityKey(hash32(this.m.seed, slot, gen), slot);
      if ((!residue || key % this.shards === this.shard % this.shards) && this.claim(key))
        return gen;
      gen++;
    }
    if (own) this.collisions++;
    return gen;
  }

  /** Active series in this shard for a universe of `total` series (none when the universe is
   * smaller than the shard count and this shard is past it: the plan then gives it no lines). */
  setUniverse(total: number): void {
    const local = shardSeries(total, this.shard, this.shards);
    if (local > this.assigned) this.ensure(local);
    // Up to SHARED_MAX every shard draws every slot's identity, in slot order, so each knows what
    // the others hold: it keeps its own distinct from them, and weighs its series against all
    // (byWeight). Residue classes (below) cannot do the first in a family of few identities: 3 of
    // them over 8 shards leave most classes empty, and shards then sent the same series.
    const upTo = Math.min(total, SHARED_MAX);
    if (upTo > this.shared) {
      if (this.sharedHs.length < upTo) {
        const grown = new Uint32Array(
          Math.min(SHARED_MAX, Math.max(upTo, 2 * this.sharedHs.length)),
        );
        grown.set(this.sharedHs);
        this.sharedHs = grown;
      }
      for (let s = this.shared; s < upTo; s++)
        if (s % this.shards === this.shard) this.assign((s - this.shard) / this.shards);
        else this.sharedHs[s] = hash32(this.m.seed, s, this.draw(s, 0, false, false));
      this.shared = upTo;
    }
    if (local > this.assigned) {
      for (let j = this.assigned; j < local; j++)
        if (j * this.shards + this.shard >= SHARED_MAX) this.assign(j);
      this.assigned = local;
    }
    if (local !== this.active || total !== this.total) this.reweigh = true;
    this.active = local;
    this.total = total;
    if (this.cursor >= local) this.cursor = 0;
  }

  /** This shard's share of the family's lines in a universe of `total`: its series' weight over
   * all series' (byWeight), or its share of the series. The plan sizes its rate by it. */
  lineShare(total: number): number {
    if (total !== this.total) return shardSeries(total, this.shard, this.shards) / total;
    this.byWeight();
    return this.share;
  }

  /**
   * Whether slots are picked by line weight: events kinds only (deltas, histograms, spans) in
   * universes up to WEIGHTED_MAX. Plain metrics keep round-robin: each series reports on its
   * interval and at most once a second, and the cap would undo weights past that.
   */
  private byWeight(): boolean {
    if (!this.reweigh) return this.weighted;
    this.reweigh = false;
    this.weighted = false;
    const all = this.total;
    const n = this.active;
    this.share = all > 0 ? n / all : 0;
    if (this.m.kind === 'metric' || all < 2 || all > WEIGHTED_MAX || n === 0) return false;
    // Raked over the whole universe (every shard drew it, WEIGHTED_MAX ≤ SHARED_MAX), so the
    // shards' weights agree and each sends its own series' share of the lines.
    if (this.weightsAll.length < all) this.weightsAll = new Float64Array(all);
    if (this.weights.length < n) this.weights = new Float64Array(this.lastSec.length);
    const margins: Margin[] = [];
    const keys = this.m.keys;
    for (let k = 0; k <= keys.length; k++) {
      const cats = new Int32Array(all);
      for (let s = 0; s < all; s++) {
        const h = this.sharedHs[s]!;
        cats[s] =
          k === keys.length ? this.sourceIndex(h) : this.valueIndex(h, k, this.pairIndex(h)) + 1;
      }
      if (k === keys.length) margins.push({ cats, target: this.m.sources.shares });
      else {
        const { presence, vocab } = keys[k]!;
        const target = new Float64Array(vocab.shares.length + 1);
        target[0] = 1 - presence;
        for (let c = 0; c < vocab.shares.length; c++) target[c + 1] = presence * vocab.shares[c]!;
        margins.push({ cats, target });
      }
    }
    rake(margins, all, this.weightsAll);
    const w = this.weights;
    let own = 0;
    let sum = 0;
    for (let s = 0; s < all; s++) sum += this.weightsAll[s]!;
    for (let j = 0; j < n; j++) own += w[j] = this.weightsAll[j * this.shards + this.shard]!;
    this.share = own / sum;
    for (let j = 1; j < n && !this.weighted; j++)
      this.weighted = Math.abs(w[j]! - w[0]!) > 1e-9 * w[0]!;
    if (this.weighted) this.picker.set(w, n);
    return this.weighted;
  }

  private assigned = 0;
  /** Global slots whose identities this shard has drawn (all shards', up to SHARED_MAX), and
   * their identity hashes (another shard's churn after the draw is not seen here). */
  private shared = 0;
  private sharedHs = new Uint32Array(0);
  /** The universe's size, and this shard's share of the family's lines in it (lineShare). */
  private total = 0;
  private share = 0;

  private ensure(local: number): void {
    if (local > this.lastSec.length) {
      const cap = Math.max(local, Math.min(local * 2, this.lastSec.length * 2));
      const grow = <T extends Uint32Array | Float32Array | Float64Array>(a: T, n: T): T => (
        n.set(a),
        n
      );
      this.lastSec = grow(this.lastSec, new Uint32Array(cap));
      this.gen = grow(this.gen, new Uint32Array(cap));
      this.hs = grow(this.hs, new Uint32Array(cap));
      this.lagOf = grow(this.lagOf, new Float32Array(cap));
      this.state = grow(this.state, new Float64Array(cap).fill(NaN));
      const cols = this.indexColumns(cap);
      cols.forEach((c, i) => c.set(this.vix[i] ?? []));
      this.vix = cols;
    }
  }

  private indexColumns(cap: number): Array<Uint8Array | Uint16Array | Uint32Array> {
    if (!this.keepIndices) return [];
    const sizes = [...this.m.keys.map((k) => k.vocab.pieces.length), this.m.sources.pieces.length];
    return sizes.map((n) =>
      n + 2 <= 0xff
        ? new Uint8Array(cap)
        : n + 2 <= 0xffff
          ? new Uint16Array(cap)
          : new Uint32Array(cap),
    );
  }

  get activeSeries(): number {
    return this.active;
  }

  /** Retires `n` random series of this shard; their slots are reborn with new identities. */
  churn(n: number, rng: Rng): void {
    if (this.active === 0) return;
    for (let i = 0; i < n; i++) {
      const j = rng.u32() % this.active;
      this.gen[j]!++;
      this.assign(j);
      this.state[j] = NaN;
      this.lastSec[j] = 0;
    }
    // Weights are raked again once 1/64 of the universe is new, not on every death: a
    // fast-churning family of thousands of series would otherwise rake every slot. Until then a
    // reborn series sends at the weight of the one it replaced.
    this.churned += n;
    if (this.churned * 64 >= this.total) {
      this.churned = 0;
      this.reweigh = true;
    }
  }

  /** Series reborn since the weights were last raked. */
  private churned = 0;

  /** Lines of plain metrics that found every series' second taken, to send in a later slot. */
  owed = 0;

  /** The owed lines (at most one per series now active), handed to the caller to plan again;
   * those past that (the universe shrank since) are capped. */
  takeOwed(): number {
    const n = Math.min(this.owed, this.active);
    this.counters.capped += this.owed - n;
    this.owed = 0;
    return n;
  }

  /** Renders up to `n` lines planned at `tMs`; returns how many were written. A slot's lines may
   * come in several calls (a batch fills): `first` of `total` places this call's within the slot. */
  emit(
    out: Out,
    n: number,
    tMs: number,
    rng: Rng,
    errorRate: number,
    drift: number,
    first = 0,
    total = n,
  ): number {
    const m = this.m;
    // Wavefront keeps one point per series per second only for plain metrics (a later point
    // overwrites); ∆ counters are summed, histograms merged and spans are events, so those repeat
    // within a second in production (the LLM trace in the public corpus sends ~2,000 ∆/s on a
    // handful of series) and must here too. The second is the one the point is filed under: its
    // timestamp's (planned time less the series' lag, see stampMs), not the planned one.
    const oneASecond = m.kind === 'metric';
    const weighted = this.byWeight();
    // Lines at ms resolution are spread across the slot in order, as events arriving through it
    // are: all stamped with the slot's start, a body repeats its timestamp line after line and
    // gzips far better than a captured one (seconds are unaffected; the slot lies in one second).
    const spread = m.tsUnit === 'ms' || m.kind === 'span';
    // A shard past a small universe holds no series, and its plan no lines (plan.ts).
    if (this.active === 0) return 0;
    let written = 0;
    for (let k = 0; k < n; k++) {
      // Before a series is picked: one picked and then not written would lose its point.
      if (!out.room(1024)) break;
      const at = spread
        ? tMs + Math.min(SLOT_MS - 1, Math.floor(((first + k + rng.next()) / total) * SLOT_MS))
        : tMs;
      // The next series whose last point is not filed under this point's earliest second; bounded
      // probing. A series files at most its earliest second (alignment only moves a stamp back),
      // so a filed second past it means the lag grew (a reloaded recipe): not a collision.
      let j = weighted ? this.picker.next() : this.cursor;
      let sec = oneASecond ? this.pointSecond(j, at) : 0;
      let tries = 0;
      while (oneASecond && this.lastSec[j] === sec && tries < 8) {
        j = j + 1 === this.active ? 0 : j + 1;
        sec = this.pointSecond(j, at);
        tries++;
      }
      if (oneASecond && this.lastSec[j] === sec) {
        // Every series has its point in this second. The line waits for a later slot, as a
        // sender's point would, up to one per series: Poisson slots send 2 lines of a 2-series
        // family at 1.2 lines/s in the same second a fifth of the time, and capping those lost
        // that share of its volume. Past one per series the family is over what its series
        // can send at all, and the line is capped.
        if (this.owed < this.active) this.owed++;
        else this.counters.capped++;
        continue;
      }
      if (!weighted) this.cursor = j + 1 === this.active ? 0 : j + 1;
      const h = this.hs[j]!;
      // NaN: the line carries no timestamp (spans and histograms carry their own times).
      let ts = NaN;
      if (this.writesStamp && !Number.isNaN(this.lagOf[j]!)) {
        ts = this.stampMs(j, at, oneASecond ? this.lastSec[j]! : 0);
        if (oneASecond) this.lastSec[j] = Math.floor(ts / 1000) + 1;
      } else if (oneASecond) this.lastSec[j] = sec;
      this.slot = j * this.shards + this.shard;
      this.j = j;
      if (errorRate > 0 && rng.next() < errorRate) {
        this.malformed(out, h, rng);
        written++;
        continue;
      }
      switch (m.kind) {
        case 'metric':
        case 'delta':
          this.metric(out, j, h, ts, rng, drift);
          break;
        case 'span':
          this.span(out, h, at, rng, drift);
          break;
        default:
          this.histogram(out, h, tMs, rng, drift);
      }
      written++;
    }
    this.counters.lines += written;
    return written;
  }

  /** The reservoir's own stream: drawing from the line stream would change the bytes sent, and
   * Math.random would make the divergence gauges differ between runs of the same seed. */
  private readonly sampleRng = new Rng(0x5a4d, 1);

  private sample(v: number): void {
    const c = this.counters;
    c.seen++;
    // Reservoir sampling keeps an unbiased sample of everything sent since the last read.
    if (c.sampleCount < c.samples.length) c.samples[c.sampleCount++] = v;
    else {
      const r = Math.floor(this.sampleRng.next() * c.seen);
      if (r < c.samples.length) c.samples[r] = v;
    }
  }

  private value(j: number, h: number, rng: Rng): number {
    const m = this.m;
    const model = m.valueModel;
    let s = this.state[j]!;
    let v: number;
    if (model === 'counter') {
      if (Number.isNaN(s)) s = m.marginal.at(sub(h, 5) * U);
      else if (m.resetShare > 0 && rng.next() < m.resetShare) s = 0;
      else s += Math.max(0, m.steps.at(rng.next()));
      v = s;
    } else if (model === 'delta') {
      v = m.marginal.at(rng.next());
      if (!(v > 0)) v = 1;
    } else {
      // Gauge: AR(1) in a latent normal, mapped through the marginal (Gaussian copula).
      const e = rng.normal();
      s = Number.isNaN(s) ? e : m.rho * s + Math.sqrt(1 - m.rho * m.rho) * e;
      v = m.marginal.at(normalCdf(s));
    }
    this.state[j] = s;
    return v;
  }

  /** The source drawn for identity `h`: from the first value pair when the source is in it. */
  private sourceIndex(h: number): number {
    const m = this.m;
    const pair = m.pair;
    if (pair && (pair.a === SOURCE || pair.b === SOURCE)) {
      const i = this.pairIndex(h);
      return pair.a === SOURCE ? pair.va[i]! : pair.vb[i]!;
    }
    return m.sources.alias.pick(sub(h, 1) * U);
  }

  /** The source; slots past the recipe's universe (N× in series mode) are new hosts of the
   * same distribution: the drawn source with a replica suffix, so identities are new, not reused. */
  private source(out: Out, h: number): void {
    const piece = this.m.sources.pieces[this.drawnIndex(this.m.keys.length, h) - 2]!;
    const replica = Math.floor(this.slot / this.m.seriesCount);
    if (replica === 0) return out.piece(piece);
    out.piece(piece.subarray(0, piece.length - 1));
    out.byte(45);
    out.byte(114);
    out.uint(replica);
    out.byte(34);
  }

  private tags(out: Out, h: number, drift: number): void {
    const end = this.tagCache.copyTo(this.j, out.buf, out.pos);
    if (end >= 0) out.pos = end;
    else {
      const at = out.pos;
      this.source(out, h);
      this.keys(out, h);
      this.tagCache.put(this.j, out.buf, at, out.pos);
    }
    this.drift(out, h, drift);
  }

  /** Point tags after the source: the values `identityKey` hashed. */
  private keys(out: Out, h: number): void {
    const keys = this.m.keys;
    if (this.combos > 0) {
      // Few combinations of values: all point tags as one prebuilt piece, one copy per line
      // instead of one per key (an identity the byte cache does not hold is rendered again).
      let combo = 0;
      for (let k = 0; k < keys.length; k++)
        combo = combo * (keys[k]!.vocab.pieces.length + 1) + this.drawnIndex(k, h) - 1;
      // Once starved, the pieces already paid for still serve; only new ones are not built.
      const piece = this.suffixes?.[combo] ?? (this.starved ? undefined : this.suffix(combo));
      if (piece !== undefined) {
        this.prebuiltCopies++;
        return out.piece(piece);
      }
    }
    for (let k = 0; k < keys.length; k++) {
      const c = this.drawnIndex(k, h);
      if (c >= 2) out.piece(keys[k]!.vocab.pieces[c - 2]!);
    }
  }

  /** Lines whose point tags were one prebuilt piece (tests read it). */
  prebuiltCopies = 0;
  /** How many combinations of value indices there are when few enough to prebuild (else 0). */
  private readonly combos: number;
  /** Prebuilt point-tag renderings by combination, allocated (and charged) on first use: most
   * families never miss the byte cache, and their slot arrays would go uncounted. */
  private suffixes: Buffer[] | undefined;
  /** The budget refused a combination: render key by key from then on, without trying again. */
  private starved = false;

  /** Builds and keeps combination `combo`'s rendering; undefined when the worker's identity-cache
   * budget cannot hold it (thousands of families with thousands of combinations each must not add
   * up unbounded), and the line is rendered key by key. */
  private suffix(combo: number): Buffer | undefined {
    const keys = this.m.keys;
    const parts: Buffer[] = [];
    let bytes = 0;
    for (let k = keys.length - 1, c = combo; k >= 0; k--) {
      const radix = keys[k]!.vocab.pieces.length + 1;
      const v = c % radix;
      c = (c - v) / radix;
      if (v >= 1) {
        const piece = keys[k]!.vocab.pieces[v - 1]!;
        parts.unshift(piece);
        bytes += piece.length;
      }
    }
    const slots = this.suffixes === undefined ? this.combos * SLOT_BYTES : 0;
    if (!this.tagCache.reserve(bytes + SUFFIX_OVERHEAD + slots)) {
      this.starved = true;
      return undefined;
    }
    this.suffixes ??= new Array<Buffer>(this.combos);
    return (this.suffixes[combo] = Buffer.concat(parts, bytes));
  }

  /** Key `k`'s (`keys.length`: the source's) value index + 2 for the slot being rendered, drawn
   * from identity `h` once and kept in `vix`. */
  private drawnIndex(k: number, h: number): number {
    const col = this.vix[k];
    let c = col === undefined ? 0 : col[this.j]!;
    if (c === 0) {
      c =
        (k === this.m.keys.length
          ? this.sourceIndex(h)
          : this.valueIndex(h, k, this.pairIndex(h))) + 2;
      if (col !== undefined) col[this.j] = c;
    }
    return c;
  }

  private drift(out: Out, h: number, drift: number): void {
    // Drift: a share of identities carries a value never seen in the recipe.
    if (drift > 0 && sub(h, 99) * U < drift) {
      out.piece(DRIFT_KEY);
      out.hex(sub(h, 98), 8);
      out.byte(34);
    }
  }

  /** Whether identity `h` writes a timestamp (else the collector stamps the arrival). */
  private stamped(h: number): boolean {
    const m = this.m;
    return m.tsUnit !== 'none' && (m.tsPresent >= 1 || sub(h, 7) * U < m.tsPresent);
  }

  /**
   * Slot `j`'s timestamp (ms) for a line planned at `tMs`: its lag behind, aligned to the
   * family's interval unless that files it at or before `filed`, the series' last filed second
   * (+1). Alignment then gives way rather than the point: a series sent more often than its
   * alignment (a time-compressed capture, `--time-scale` > 1) keeps one point per second and its
   * rate, where aligned stamps would fold its points onto one (and the cap then dropped them:
   * the demo's 10 s-aligned gauges lost 86 % of their volume).
   */
  private stampMs(j: number, tMs: number, filed: number): number {
    const m = this.m;
    const ts = tMs - this.lagOf[j]!;
    if (!(m.alignSeconds > 0)) return ts;
    const step = m.alignSeconds * 1000;
    const aligned = Math.floor(ts / step) * step;
    return Math.floor(aligned / 1000) + 1 > filed ? aligned : ts;
  }

  /** The earliest second (+1, so 0 is never) a point of slot `j` planned at `tMs` can be filed
   * under: its unaligned timestamp's (alignment may file it earlier, never later). */
  private pointSecond(j: number, tMs: number): number {
    const lag = this.lagOf[j]!;
    return Math.floor((Number.isNaN(lag) ? tMs : tMs - lag) / 1000) + 1;
  }

  /** Spans and histograms carry their own times, never the metric timestamp. */
  private readonly writesStamp: boolean;

  /** Writes ` <ts>` in the family's unit; nothing for NaN. */
  private timestamp(out: Out, ts: number): void {
    if (Number.isNaN(ts)) return;
    out.byte(SPACE);
    out.uintCached(this.m.tsUnit === 'ms' ? Math.floor(ts) : Math.floor(ts / 1000));
  }

  private metric(out: Out, j: number, h: number, ts: number, rng: Rng, drift: number): void {
    const m = this.m;
    const v = this.value(j, h, rng);
    this.sample(v);
    out.piece(m.namePiece);
    out.byte(SPACE);
    // Precision per line, not per series: the recipe's shares are of lines, and a series mixes
    // them (a CloudWatch average prints `92.858` or its binary residue `92.85799999999999`); one
    // precision per identity left a family of one or two series all short or all long.
    out.fixed(v, m.precision.draw(rng));
    this.timestamp(out, ts);
    this.tags(out, h, drift);
    out.byte(NL);
  }

  private histogram(out: Out, h: number, tMs: number, rng: Rng, drift: number): void {
    const m = this.m;
    const hm = m.hist!;
    out.piece(HIST_G[m.kind]!);
    const bin = hm.binSeconds;
    out.uint(Math.floor(tMs / 1000 / bin) * bin);
    const k = Math.min(this.means.length, Math.max(1, Math.round(hm.perLine.at(rng.next()))));
    const means = this.means;
    for (let i = 0; i < k; i++) {
      const x = hm.mean.at(rng.next());
      let p = i;
      while (p > 0 && means[p - 1]! > x) {
        means[p] = means[p - 1]!;
        p--;
      }
      means[p] = x;
    }
    // One precision per line: a sender writes a line's means alike (`#1 91.0` or `#7 27.71428571`
    // throughout), and drawn per centroid every line would come out near the average length.
    const digits = hm.precision.draw(rng);
    for (let i = 0; i < k; i++) {
      out.byte(SPACE);
      out.byte(35);
      out.uint(Math.max(1, Math.round(hm.count.at(rng.next()))));
      out.byte(SPACE);
      out.fixed(means[i]!, digits);
      this.sample(means[i]!);
    }
    out.byte(SPACE);
    out.piece(m.namePiece);
    this.tags(out, h, drift);
    out.byte(NL);
  }

  private span(out: Out, h: number, tMs: number, rng: Rng, drift: number): void {
    const sm = this.m.span!;
    if (this.traceLeft <= 0) {
      this.traceLeft = Math.max(1, Math.round(sm.perTrace.at(rng.next())));
      for (let i = 0; i < 4; i++) this.trace[i] = rng.u32();
      this.spanIndex = 0;
    }
    const id0 = rng.u32();
    const id1 = rng.u32();
    const id2 = rng.u32();
    const id3 = rng.u32();
    out.piece(this.m.namePiece);
    this.source(out, h);
    out.piece(TRACE_EQ);
    out.uuid(this.trace[0]!, this.trace[1]!, this.trace[2]!, this.trace[3]!);
    out.piece(SPAN_EQ);
    out.uuid(id0, id1, id2, id3);
    if (this.spanIndex > 0) {
      out.piece(PARENT_EQ);
      const p = this.parentWords;
      out.uuid(p[0]!, p[1]!, p[2]!, p[3]!);
    }
    // Children hang off the first span until fan-out is spent, then off the latest (depth).
    const fan = Math.max(1, Math.round(sm.fanOut.at(sub(h, 4) * U)));
    if (this.spanIndex === 0 || this.spanIndex % fan === 0) {
      this.parentWords[0] = id0;
      this.parentWords[1] = id1;
      this.parentWords[2] = id2;
      this.parentWords[3] = id3;
    }
    this.spanIndex++;
    this.traceLeft--;
    this.keys(out, h);
    this.drift(out, h, drift);
    const dur = Math.max(0, Math.round(sm.duration.at(rng.next())));
    this.sample(dur);
    out.byte(SPACE);
    out.uint(Math.max(1_000_000_000_000, Math.floor(tMs) - dur));
    out.byte(SPACE);
    out.uint(dur);
    out.byte(NL);
  }

  private malformed(out: Out, h: number, rng: Rng): void {
    const code = MALFORMED_CODES[rng.u32() % MALFORMED_CODES.length]!;
    if (code === 400) out.piece(MALFORMED[400]);
    else {
      out.piece(this.m.namePiece);
      out.piece(MALFORMED[code]);
      if (code === 300) {
        out.piece(SRC_EQ);
        out.hex(h, 8);
      }
    }
    out.byte(NL);
    this.counters.malformed++;
  }
}
