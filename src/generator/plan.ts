// The plan: per family, how many lines each slot of SLOT_MS holds. An NHPP whose rate is the
// recipe's intensity curve (time-warped by timeScale, scaled by the multiplier or normalised to an
// absolute rate, split across the shards by the series, or the series' weights, each holds), with
// Hawkes self-excitation discretised per slot; μ is scaled by (1 − n) so bursts add variance, not
// volume; families whose counts are more regular than Poisson (scrapes) have that share of their
// rate laid out evenly; families whose counts swing around the curve beyond Poisson get those
// swings back as a bucket-scale factor on the rate (swings.ts). Drawn from a seeded generator that
// depends only on (seed, shard, slot sequence): the plan never looks at the wall clock, so the
// same inputs give the same plan however fast it is sent.
import type { FamilyModel } from './model.js';
import { intensityAt, recipeSpan } from './model.js';
import { Rng } from '../lib/rng.js';
import { familyMatcher, type Scenario } from './scenario.js';
import { SwingTrack } from './swings.js';

export const SLOT_MS = 10;
const MAX_BRANCHING = 0.95;

/** Series in a family's universe at `seriesScale` (the multiplier in series mode, else 1). */
export function universeOf(m: FamilyModel, seriesScale: number): number {
  return Math.max(1, Math.round(m.seriesCount * seriesScale));
}

/** Series of a universe of `total` that shard `shard` of `shards` holds (slots j ≡ shard mod
 * shards): 0 when the universe is smaller than the shard count and this shard is past it. */
export function shardSeries(total: number, shard: number, shards: number): number {
  return Math.max(0, Math.ceil((total - shard) / shards));
}

interface Ramp {
  from: Scenario;
  to: Scenario;
  startMs: number;
  endMs: number;
}

export class Planner {
  readonly counts: Int32Array;
  readonly rates: Float64Array;
  /** Per family, its whole intensity at 1× (all shards; 0 when disabled) for the current slot. */
  readonly levels: Float64Array;
  private excitation: Float64Array;
  /** Fraction of a line carried to the next slot by each family's regular share. */
  private carry: Float64Array;
  private enabledOld: Uint8Array;
  private enabledNew: Uint8Array;
  private ramp: Ramp;
  readonly rng: Rng;
  /** Lines the plan asked for in total (before sending), and the expected (intensity) total. */
  planned = 0;
  expected = 0;
  private readonly span: { originMs: number; spanMs: number };
  private readonly swings: ReadonlyArray<SwingTrack | null>;

  constructor(
    readonly families: readonly FamilyModel[],
    scenario: Scenario,
    readonly seed: number,
    readonly shard: number,
    readonly shards: number,
    readonly epochMs: number,
    /** Family `i`'s share of its lines in this shard for a universe of `total` series: by default
     * its share of the series; the worker passes its synths' line weights (synth.ts). */
    private readonly shareOf: (i: number, total: number) => number = (_i, total) =>
      shardSeries(total, shard, shards) / total,
  ) {
    const n = families.length;
    this.counts = new Int32Array(n);
    this.rates = new Float64Array(n);
    this.levels = new Float64Array(n);
    this.excitation = new Float64Array(n);
    this.carry = new Float64Array(n);
    this.enabledOld = this.enabled(scenario);
    this.enabledNew = this.enabledOld;
    this.ramp = { from: scenario, to: scenario, startMs: 0, endMs: 0 };
    this.rng = new Rng(seed, 0x10000 + shard);
    this.span = recipeSpan(families);
    this.swings = families.map((f) => (f.swings ? new SwingTrack(f.swings, seed, f.seed) : null));
  }

  private enabled(s: Scenario): Uint8Array {
    const match = familyMatcher(s.families);
    return Uint8Array.from(this.families, (f) => (match(f.recipe.family.name) ? 1 : 0));
  }

  get scenario(): Scenario {
    return this.ramp.to;
  }

  /** Switches to `s` at plan time `atMs`, ramping from what is in force then. */
  setScenario(s: Scenario, atMs: number): void {
    const cur = this.ramp;
    const inRamp = atMs < cur.endMs;
    this.enabledOld = inRamp ? this.enabledOld : this.enabledNew;
    this.enabledNew = this.enabled(s);
    this.ramp = {
      from: inRamp ? cur.from : cur.to,
      to: s,
      startMs: atMs,
      endMs: atMs + s.rampSeconds * 1000,
    };
  }

  /** Rates (lines/s, this shard) of scenario `s` at plan time `tMs` into `out` and the whole
   * intensities at 1× into `base`; returns the effective multiplier (for the series universe). */
  private ratesOf(
    s: Scenario,
    enabled: Uint8Array,
    tMs: number,
    out: Float64Array,
    base: Float64Array,
  ): number {
    const speed = s.mode === 'speed' ? s.multiplier : 1;
    // Plan time maps onto capture time from the recipes' start, warped, looping past their end.
    const warped = (tMs - this.epochMs) * s.timeScale * speed;
    const rMs =
      this.span.originMs + (((warped % this.span.spanMs) + this.span.spanMs) % this.span.spanMs);
    let total = 0;
    for (let i = 0; i < this.families.length; i++) {
      const r = enabled[i] ? intensityAt(this.families[i]!, rMs) : 0;
      base[i] = r;
      total += r;
    }
    const mult = s.rate !== null ? (total > 0 ? s.rate / total : 0) : s.multiplier;
    // Each shard sends its series' share: an even split gave a shard with no series of a small
    // family (2 series, 4 workers) lines it could only send from series that do not exist, and
    // a 69/31 pair of series over two shards 50/50.
    const seriesScale = s.mode === 'series' ? mult : 1;
    for (let i = 0; i < out.length; i++) {
      // After the multiplier: an absolute rate is met on average, not bucket by bucket.
      const swing = this.swings[i]?.factor(tMs, s.timeScale * speed, mult) ?? 1;
      base[i] = base[i]! * swing;
      out[i] = base[i]! * mult * this.shareOf(i, universeOf(this.families[i]!, seriesScale));
    }
    return mult;
  }

  private scratch = new Float64Array(0);
  private scratchLevels = new Float64Array(0);

  /** Effective multiplier at `tMs` after fills `rates` for the slot starting there. */
  private currentRates(tMs: number): number {
    const r = this.ramp;
    const m = this.ratesOf(r.to, this.enabledNew, tMs, this.rates, this.levels);
    if (tMs >= r.endMs) return m;
    if (this.scratch.length !== this.rates.length) {
      this.scratch = new Float64Array(this.rates.length);
      this.scratchLevels = new Float64Array(this.rates.length);
    }
    const m0 = this.ratesOf(r.from, this.enabledOld, tMs, this.scratch, this.scratchLevels);
    const w = (tMs - r.startMs) / (r.endMs - r.startMs);
    for (let i = 0; i < this.rates.length; i++) {
      this.rates[i] = (1 - w) * this.scratch[i]! + w * this.rates[i]!;
      this.levels[i] = (1 - w) * this.scratchLevels[i]! + w * this.levels[i]!;
    }
    return (1 - w) * m0 + w * m;
  }

  /** The effective multiplier at `tMs` (sizes the series universe before the first slot). */
  multiplierAt(tMs: number): number {
    return this.currentRates(tMs);
  }

  /** Family `i`'s lines in a slot of `dt` seconds at `lam` lines/s: its regular share laid out
   * evenly (the fractions carried over), the rest drawn as Poisson arrivals. */
  private evenAndPoisson(i: number, lam: number, dt: number): number {
    const reg = this.families[i]!.regularShare;
    let k = 0;
    if (reg > 0) {
      const c = this.carry[i]! + reg * lam * dt;
      k = Math.floor(c);
      this.carry[i] = c - k;
    }
    return k + this.rng.poisson((1 - reg) * lam * dt);
  }

  /** Draws the slot starting at `tMs` into `counts`; returns the effective multiplier. */
  draw(tMs: number): number {
    const s = this.ramp.to;
    const mult = this.currentRates(tMs);
    const dt = SLOT_MS / 1000;
    const rng = this.rng;
    for (let i = 0; i < this.families.length; i++) {
      const lam = s.paused ? 0 : this.rates[i]!;
      const h = this.families[i]!.hawkes;
      let n: number;
      if (h && s.burstFactor > 0 && lam > 0) {
        const br = Math.min(MAX_BRANCHING, h.branching * s.burstFactor);
        const e = this.excitation[i]!;
        n = rng.poisson((lam * (1 - br) + e) * dt);
        this.excitation[i] = e * Math.exp(-h.beta * dt) + br * h.beta * n;
      } else {
        n = lam > 0 ? this.evenAndPoisson(i, lam, dt) : 0;
        this.excitation[i] = 0;
      }
      this.counts[i] = n;
      this.planned += n;
      this.expected += lam * dt;
    }
    return mult;
  }
}
