// Online divergence between what was sent and the recipe, per family: rate error against the
// realised plan, one-sample Kolmogorov–Smirnov of sent values against the recipe's marginal CDF,
// Jensen–Shannon between sent and expected mass over the recipe's own quantile bins, and the
// batch-size quantiles against the global request model. The recipe side is an exact CDF (the
// sampler's own, so a perfect sender scores 0), so the one-sample forms suffice here.
import type { GlobalRecipe, Recipe } from '../lib/recipe.js';
import { jensenShannon, ksOneSample } from '../lib/stats/index.js';
import { QuantileSampler } from './dist.js';

export type Status = 'green' | 'amber' | 'red' | 'unknown';
const WINDOW = 4096;

/** DESIGN §4: KS/JS ≤ 0.05 green; rate ≤ 0.5 % of plan green. Amber up to twice / ten times. */
export function grade(value: number, green: number, amber: number): Status {
  if (!Number.isFinite(value)) return 'unknown';
  return value <= green ? 'green' : value <= amber ? 'amber' : 'red';
}

export interface FamilyDivergence {
  id: string;
  name: string;
  rateError: number;
  valueKs: number;
  valueJs: number;
  samples: number;
  status: Status;
}

function referenceOf(r: Recipe): QuantileSampler | undefined {
  if (r.values && (r.values.model === 'gauge' || r.values.model === 'delta'))
    return new QuantileSampler(r.values.marginal);
  if (r.histogram) return new QuantileSampler(r.histogram.centroidMean);
  if (r.span) return new QuantileSampler(r.span.durationMs);
  return undefined;
}

class FamilyWindow {
  readonly values = new Float64Array(WINDOW);
  count = 0;
  at = 0;
  planned = 0;
  sent = 0;
  constructor(
    readonly recipe: Recipe,
    readonly ref: QuantileSampler | undefined,
  ) {}
  push(v: number): void {
    this.values[this.at] = v;
    this.at = (this.at + 1) % WINDOW;
    if (this.count < WINDOW) this.count++;
  }
}

export class Divergence {
  private readonly families = new Map<string, FamilyWindow>();
  private batch: number[] = [];
  private batchRef: QuantileSampler | undefined;
  /** `all()` as of the last report: a scrape reads it once per metric and status once more. */
  private latest: FamilyDivergence[] | undefined;

  constructor(recipes: readonly Recipe[], global: GlobalRecipe | null) {
    for (const r of recipes) this.families.set(r.family.id, new FamilyWindow(r, referenceOf(r)));
    const lpr = global?.requests?.linesPerRequest;
    this.batchRef = lpr && lpr.n > 0 ? new QuantileSampler(lpr) : undefined;
  }

  /** Adds one worker report's deltas: planned/sent since the previous report, value samples. */
  add(id: string, plannedDelta: number, sentDelta: number, samples: readonly number[]): void {
    const f = this.families.get(id);
    if (!f) return;
    this.latest = undefined;
    // Exponential forgetting keeps the rate error "recent" without a timer of its own.
    f.planned = f.planned * 0.9 + plannedDelta;
    f.sent = f.sent * 0.9 + sentDelta;
    for (const v of samples) f.push(v);
  }

  addBatches(sizes: readonly number[]): void {
    for (const s of sizes) this.batch.push(s);
    if (this.batch.length > WINDOW) this.batch = this.batch.slice(-WINDOW);
  }

  family(id: string): FamilyDivergence | undefined {
    const f = this.families.get(id);
    if (!f) return undefined;
    const rateError = f.planned > 0 ? Math.abs(f.sent - f.planned) / f.planned : NaN;
    let ks = NaN;
    let js = NaN;
    if (f.ref && !f.ref.empty && f.count >= 32) {
      const sorted = Float64Array.from(f.values.subarray(0, f.count)).sort();
      const ref = f.ref;
      ks = ksOneSample(sorted, (x) => ref.cdf(x)).d;
      const { edges, mass } = f.ref.bins();
      const got = new Float64Array(mass.length);
      let bi = 0;
      for (const v of sorted) {
        while (bi < mass.length - 1 && v > edges[bi + 1]!) bi++;
        got[bi]!++;
      }
      js = jensenShannon(got, mass);
    }
    const worst = [grade(rateError, 0.005, 0.05), grade(ks, 0.05, 0.1), grade(js, 0.05, 0.1)];
    const status: Status = worst.includes('red')
      ? 'red'
      : worst.includes('amber')
        ? 'amber'
        : worst.includes('green')
          ? 'green'
          : 'unknown';
    return {
      id,
      name: f.recipe.family.name,
      rateError,
      valueKs: ks,
      valueJs: js,
      samples: f.count,
      status,
    };
  }

  all(): readonly FamilyDivergence[] {
    this.latest ??= [...this.families.keys()].map((id) => this.family(id)!);
    return this.latest;
  }

  /** Relative error of the sent batch sizes' p50/p90/p99 against the request model. */
  batchQuantiles(): { p50: number; p90: number; p99: number; samples: number } | null {
    if (!this.batchRef || this.batch.length < 20) return null;
    const s = [...this.batch].sort((a, b) => a - b);
    const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
    const rel = (p: number): number => {
      const want = this.batchRef!.at(p);
      return want > 0 ? Math.abs(q(p) - want) / want : NaN;
    };
    return { p50: rel(0.5), p90: rel(0.9), p99: rel(0.99), samples: s.length };
  }
}
