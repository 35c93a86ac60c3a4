// The generator's control plane (main thread): a fixed pool of worker threads, the scenario,
// recipe reloads and the aggregated status. The main thread never renders or sends a line.
//
// Why a fixed pool of long-lived workers and not piscina: each worker is a stateful, self-paced
// loop that owns a shard of the series space, its connections and its plan; piscina schedules
// short stateless tasks onto whichever thread is free, which would break shard ownership and put
// a task hand-off on the hot path.
import { Worker } from 'node:worker_threads';
import type { GlobalRecipe, Recipe } from '../lib/recipe.js';
import { Divergence, type FamilyDivergence } from './divergence.js';
import { parseRecipes, readRecipeFiles, type RecipeSet } from './recipes.js';
import { persist, updateScenario, type Scenario } from './scenario.js';
import {
  TOTAL_KEYS,
  type Totals,
  type ToWorker,
  type WorkerInit,
  type WorkerStats,
} from './messages.js';

export interface GeneratorOptions {
  recipes: string;
  target: string;
  seed: number;
  workers: number;
  /** This process's shard of the series space across pods: index and count. */
  shard: { index: number; count: number };
  /** Plan time origin; undefined: when every worker is ready (start-up is not counted late). */
  epochMs: number | undefined;
  durationMs: number;
  connections: number;
  identityCacheBytes: number;
  token: string | undefined;
  pace: 'real' | 'none';
  maxLateMs: number;
  lateMs: number;
  stateDir: string | undefined;
}

export interface ReloadState {
  version: string;
  lastCheckMs: number;
  lastResult: 'loaded' | 'unchanged' | 'refused' | 'none';
  reason: string | null;
  refused: number;
  loaded: number;
}

export class Generator {
  private readonly workers: Worker[] = [];
  readonly stats: Array<WorkerStats | undefined>;
  private prev = new Map<string, { planned: number; sent: number }>();
  private divergence: Divergence;
  private set: RecipeSet;
  scenario: Scenario;
  readonly reload: ReloadState;
  private exited = 0;
  private readonly done: Promise<void>;
  private finish!: () => void;
  readonly startedMs = Date.now();

  constructor(
    readonly opts: GeneratorOptions,
    set: RecipeSet,
    scenario: Scenario,
  ) {
    this.set = set;
    this.scenario = scenario;
    this.divergence = new Divergence(set.recipes, set.global);
    this.stats = new Array<WorkerStats | undefined>(opts.workers);
    this.reload = {
      version: set.version,
      lastCheckMs: Date.now(),
      lastResult: 'none',
      reason: null,
      refused: 0,
      loaded: 1,
    };
    this.done = new Promise((r) => (this.finish = r));
  }

  get recipes(): readonly Recipe[] {
    return this.set.recipes;
  }
  get global(): GlobalRecipe | null {
    return this.set.global;
  }

  start(): void {
    const shards = this.opts.workers * this.opts.shard.count;
    for (let w = 0; w < this.opts.workers; w++) {
      const init: WorkerInit = {
        recipes: this.set.recipes,
        global: this.set.global,
        scenario: this.scenario,
        seed: this.opts.seed,
        shard: this.opts.shard.index * this.opts.workers + w,
        shards,
        epochMs: this.opts.epochMs ?? Date.now(),
        target: this.opts.target,
        token: this.opts.token,
        connections: this.opts.connections,
        identityCacheBytes: this.opts.identityCacheBytes,
        pace: this.opts.pace,
        durationMs: this.opts.durationMs,
        maxLateMs: this.opts.maxLateMs,
        lateMs: this.opts.lateMs,
      };
      const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
      worker.on('message', (m: WorkerStats | { type: 'ready' }) => {
        if (m.type === 'ready') {
          if (++this.ready === this.opts.workers) this.go();
        } else this.onStats(w, m);
      });
      worker.on('error', (err) => {
        process.emitWarning(`generator worker ${w} failed: ${String(err)}`);
      });
      worker.on('exit', () => {
        if (++this.exited === this.opts.workers) this.finish();
      });
      this.workers.push(worker);
    }
  }

  private ready = 0;

  /** Every worker has its universe: the plan clock starts now (or at the configured epoch). */
  private go(): void {
    const epochMs = this.opts.epochMs ?? Date.now() + 20;
    this.broadcast({ type: 'start', epochMs });
  }

  private onStats(w: number, m: WorkerStats): void {
    this.stats[w] = m;
    for (const f of m.families) {
      const key = `${w}/${f.id}`;
      const p = this.prev.get(key) ?? { planned: 0, sent: 0 };
      this.divergence.add(f.id, f.planned - p.planned, f.sent - p.sent, f.samples);
      this.prev.set(key, { planned: f.planned, sent: f.sent });
    }
    this.divergence.addBatches(m.batchSizes);
  }

  private broadcast(m: ToWorker): void {
    for (const w of this.workers) w.postMessage(m);
  }

  /** Validates and applies a partial scenario; throws WFLG_E_USAGE with every problem. */
  setScenario(patch: unknown): Scenario {
    const next = updateScenario(this.scenario, patch);
    // Durable first: a change that cannot be persisted is refused whole, never half applied.
    persist(this.opts.stateDir, next);
    this.scenario = next;
    this.broadcast({ type: 'scenario', scenario: next });
    return next;
  }

  /** Re-reads the recipe root; applies a changed, valid set without restarting workers. */
  async checkRecipes(): Promise<ReloadState> {
    this.reload.lastCheckMs = Date.now();
    let set: RecipeSet;
    try {
      const files = await readRecipeFiles(this.opts.recipes);
      // Unchanged bytes: the periodic check costs a read and a hash, not a decode and validation.
      if (files.problems.length === 0 && files.version === this.set.version) {
        this.reload.lastResult = 'unchanged';
        return this.reload;
      }
      set = parseRecipes(files);
    } catch (err) {
      this.reload.lastResult = 'refused';
      this.reload.reason = err instanceof Error ? err.message : String(err);
      this.reload.refused++;
      return this.reload;
    }
    this.set = set;
    this.divergence = new Divergence(set.recipes, set.global);
    this.prev.clear();
    this.broadcast({ type: 'recipes', recipes: set.recipes, global: set.global });
    Object.assign(this.reload, { version: set.version, lastResult: 'loaded', reason: null });
    this.reload.loaded++;
    return this.reload;
  }

  families(): readonly FamilyDivergence[] {
    return this.divergence.all();
  }

  totals(): Totals {
    const t = Object.fromEntries(TOTAL_KEYS.map((k) => [k, 0])) as Totals;
    for (const s of this.stats) if (s) for (const k of TOTAL_KEYS) t[k] += s[k];
    return t;
  }

  status(): unknown {
    const perFamily = new Map<string, { planned: number; sent: number; series: number }>();
    for (const s of this.stats)
      for (const f of s?.families ?? []) {
        const p = perFamily.get(f.id) ?? { planned: 0, sent: 0, series: 0 };
        p.planned += f.planned;
        p.sent += f.sent;
        p.series += f.series;
        perFamily.set(f.id, p);
      }
    const div = new Map(this.divergence.all().map((d) => [d.id, d]));
    return {
      startedMs: this.startedMs,
      target: this.opts.target,
      seed: this.opts.seed,
      shard: this.opts.shard,
      workers: this.stats.map((s, i) => ({
        worker: i,
        state: s?.state ?? 'starting',
        planMs: s?.planMs ?? null,
        latencyMs: s?.latency ?? null,
        sent: s?.sent ?? 0,
      })),
      scenario: this.scenario,
      recipes: {
        version: this.set.version,
        families: this.set.recipes.length,
        reload: this.reload,
      },
      totals: this.totals(),
      batchSizeError: this.divergence.batchQuantiles(),
      families: this.set.recipes.map((r) => {
        const p = perFamily.get(r.family.id);
        return {
          id: r.family.id,
          name: r.family.name,
          kind: r.family.kind,
          confidence: r.confidence,
          planned: p?.planned ?? 0,
          sent: p?.sent ?? 0,
          activeSeries: p?.series ?? 0,
          divergence: div.get(r.family.id) ?? null,
        };
      }),
    };
  }

  /** Resolves when every worker has finished (duration reached or stopped). */
  wait(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    this.broadcast({ type: 'stop' });
    const timeout = setTimeout(() => {
      for (const w of this.workers) void w.terminate();
    }, 15_000);
    await this.done;
    clearTimeout(timeout);
  }
}
