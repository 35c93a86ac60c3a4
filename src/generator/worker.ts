// A generator worker thread: owns one shard of every family's series space, draws its plan slot
// by slot, renders the lines and sends them. Paced from absolute plan time (open model): a slot
// is due at its end; if the transport is full the worker waits (late), and work that falls more
// than maxLateMs behind, or finds the collector down, is dropped and counted, never queued.
import { parentPort, workerData } from 'node:worker_threads';
import * as hdr from 'hdr-histogram-js';
import type { GlobalRecipe, Recipe } from '../lib/recipe.js';
import { Batch, lingerFor } from './batch.js';
import { samplerOf } from './dist.js';
import { compileFamily, type FamilyModel } from './model.js';
import { Planner, SLOT_MS, universeOf } from './plan.js';
import { Rng } from '../lib/rng.js';
import type { Scenario } from './scenario.js';
import type { ToWorker, WorkerInit, WorkerStats } from './messages.js';
import { FamilySynth } from './synth.js';
import { CacheBudget, TagCache } from './tag-cache.js';
import { openTransport, type Transport } from './transport.js';

const FORMAT: Record<string, string> = {
  metric: 'wavefront',
  delta: 'wavefront',
  histogram_m: 'histogram',
  histogram_h: 'histogram',
  histogram_d: 'histogram',
  span: 'trace',
};

class GeneratorWorker {
  private models: FamilyModel[] = [];
  private synths: FamilySynth[] = [];
  private readonly cacheBudget: CacheBudget;
  private planner!: Planner;
  private plannedBy = new Float64Array(0);
  private readonly transport: Transport;
  private readonly http: boolean;
  /** One batch per format, made as the first family of that format appears. */
  private readonly outs = new Map<string, Batch>();
  /** Each family's format's batch (index as `models`). */
  private batchOf: Batch[] = [];
  private readonly synthRng: Rng;
  private readonly batchRng: Rng;
  private gzipShare = 0;
  private nextSlot: number;
  private endMs: number;
  private dropped = 0;
  private late = 0;
  private sent = 0;
  private readonly hist = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
  });
  private batchSample: number[] = [];
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private lastReport = 0;
  private scenario: Scenario;

  constructor(private readonly init: WorkerInit) {
    this.scenario = init.scenario;
    this.cacheBudget = new CacheBudget(init.identityCacheBytes);
    this.synthRng = new Rng(init.seed, 0x20000 + init.shard);
    this.batchRng = new Rng(init.seed, 0x30000 + init.shard);
    this.transport = openTransport(init.target, {
      shard: init.shard,
      shards: init.shards,
      connections: init.connections,
      token: init.token,
    });
    this.http = init.target.startsWith('http');
    this.nextSlot = Math.floor(init.epochMs / SLOT_MS) * SLOT_MS;
    this.endMs = init.durationMs > 0 ? this.nextSlot + init.durationMs : Infinity;
    this.load(init.recipes, init.global);
  }

  private load(recipes: Recipe[], global: GlobalRecipe | null): void {
    const old = new Map(this.synths.map((s) => [s.m.id, s]));
    for (const s of this.synths) s.tagCache.release();
    this.models = recipes.map(compileFamily);
    this.synths = this.models.map((m) => {
      const cache = new TagCache(this.cacheBudget);
      const s = new FamilySynth(m, this.init.shard, this.init.shards, cache);
      const prev = old.get(m.id);
      if (prev) s.adopt(prev);
      return s;
    });
    const prevPlanner = this.planner as Planner | undefined;
    this.planner = this.newPlanner();
    if (prevPlanner) {
      this.planner.planned = prevPlanner.planned;
      this.planner.expected = prevPlanner.expected;
    }
    this.plannedBy = new Float64Array(this.models.length);
    // Identities for the whole universe are minted now, not inside the first slots (where a large
    // N× universe would make the start late).
    const mult = this.planner.multiplierAt(this.nextSlot);
    const scale = this.scenario.mode === 'series' ? mult : 1;
    this.synths.forEach((s, i) => s.setUniverse(universeOf(this.models[i]!, scale)));
    const req = global?.requests;
    const all = req && req.linesPerRequest.n > 0 ? samplerOf(req.linesPerRequest, 1000) : undefined;
    // Each format's own lines per request where the recipe has them: a client batches each
    // format apart, so the mixed distribution gives trace streams metric-sized targets they never
    // reach (and metric streams trace-sized ones). Load bins sorted, whatever the recipe's order.
    const shapes = new Map(
      (req?.formats ?? []).map((f) => [
        f.format,
        {
          sizes:
            f.linesPerRequest && f.linesPerRequest.n > 0
              ? samplerOf(f.linesPerRequest, 1000)
              : undefined,
          byRate: (f.byRate ?? [])
            .map((b) => ({ upTo: b.upTo, sizes: samplerOf(b.linesPerRequest, 1000) }))
            .sort((a, b) => a.upTo - b.upTo),
        },
      ]),
    );
    this.batchOf = this.models.map((m) => this.outFor(FORMAT[m.kind]!));
    for (const [format, b] of this.outs) {
      const shape = shapes.get(format);
      b.setSizes(shape?.sizes ?? all, shape?.byRate);
    }
    this.gzipShare = req?.encodings.find((e) => e.encoding === 'gzip')?.share ?? 0;
  }

  private newPlanner(): Planner {
    const i = this.init;
    return new Planner(this.models, this.scenario, i.seed, i.shard, i.shards, i.epochMs, (f, n) =>
      this.synths[f]!.lineShare(n),
    );
  }

  private outFor(format: string): Batch {
    let b = this.outs.get(format);
    if (!b) {
      b = new Batch(format, this.http, this.batchRng);
      this.outs.set(format, b);
    }
    return b;
  }

  private flush(b: Batch): void {
    if (b.out.lines === 0) return;
    const lines = b.out.lines;
    const gzip = this.http && this.gzipShare > 0 && this.batchRng.next() < this.gzipShare;
    if (this.http && this.batchSample.length < 1024) this.batchSample.push(lines);
    this.transport.send(b.out.take(), lines, b.format, gzip);
    b.taken(lines);
  }

  /** Sets the plan clock's origin (all workers get the same) and starts pacing. */
  begin(epochMs: number): void {
    this.init.epochMs = epochMs;
    this.nextSlot = Math.floor(epochMs / SLOT_MS) * SLOT_MS;
    this.endMs = this.init.durationMs > 0 ? this.nextSlot + this.init.durationMs : Infinity;
    this.planner = this.newPlanner();
    this.start();
  }

  message(m: ToWorker): void {
    if (m.type === 'start') this.begin(m.epochMs);
    else if (m.type === 'scenario') {
      this.scenario = m.scenario;
      this.planner.setScenario(m.scenario, this.nextSlot);
    } else if (m.type === 'recipes') this.load(m.recipes, m.global);
    else this.stop();
  }

  private runSlot(now: number): void {
    const t = this.nextSlot;
    const slotEnd = t + SLOT_MS;
    const p = this.planner;
    const mult = p.draw(t);
    const counts = p.counts;
    let total = 0;
    for (const b of this.outs.values()) b.rate = b.slotPlanned = b.level = 0;
    for (let i = 0; i < counts.length; i++) {
      total += counts[i]!;
      this.plannedBy[i]! += counts[i]!;
      const b = this.batchOf[i]!;
      b.rate += p.rates[i]!;
      b.level += p.levels[i]!;
      b.slotPlanned += counts[i]!;
    }
    for (const b of this.outs.values()) b.linger = lingerFor(b.rate, b.level * mult);
    const s = this.scenario;
    const seriesScale = s.mode === 'series' ? mult : 1;
    const lateBy = this.init.pace === 'real' ? now - slotEnd : 0;
    if (total > 0 && (!this.transport.ready() || lateBy > this.init.maxLateMs)) {
      this.dropped += total;
      this.nextSlot = slotEnd;
      return;
    }
    for (let i = 0; i < counts.length; i++) {
      const syn = this.synths[i]!;
      const m = this.models[i]!;
      const universe = universeOf(m, seriesScale);
      syn.setUniverse(universe);
      if (m.churnPerSecond > 0) {
        const deaths = this.synthRng.poisson(
          (m.churnPerSecond * seriesScale * SLOT_MS * syn.activeSeries) / 1000 / universe,
        );
        if (deaths > 0) syn.churn(deaths, this.synthRng);
      }
      // Lines owed from earlier slots (their series' second was taken) go out with this slot's.
      const total = counts[i]! + syn.takeOwed();
      let n = total;
      if (n === 0) continue;
      const o = this.batchOf[i]!;
      while (n > 0) {
        if (!o.opened) o.open(t);
        // No more than the batch still takes: a slot's lines added whole overshot the target.
        const want = Math.min(n, Math.max(1, o.target - o.out.lines));
        const before = syn.counters.capped + syn.owed;
        const w = syn.emit(o.out, want, t, this.synthRng, s.errorRate, s.drift, total - n, total);
        o.out.lines += w;
        o.slotLines += w;
        this.sent += w;
        const used = w + (syn.counters.capped + syn.owed - before);
        n -= used;
        // At its target, or the buffer filled before `want` was rendered.
        if (o.out.lines >= o.target || used < want) this.flush(o);
      }
    }
    // Aged batches go out here, per slot, not per tick: batching then depends on the plan alone,
    // not on how many slots a tick happened to run.
    for (const b of this.outs.values()) {
      b.endSlot(SLOT_MS);
      if (b.due(slotEnd)) this.flush(b);
    }
    if (this.init.pace === 'real' && total > 0) {
      const lat = Math.max(1, lateBy);
      this.hist.recordValueWithCount(lat, total);
      if (lateBy > this.init.lateMs) this.late += total;
    }
    this.nextSlot = slotEnd;
  }

  tick(): void {
    this.timer = undefined;
    const real = this.init.pace === 'real';
    const now = real ? Date.now() : Infinity;
    let slots = 0;
    while (this.nextSlot + SLOT_MS <= now && this.nextSlot < this.endMs && !this.stopping) {
      if (this.transport.blocked()) break;
      this.runSlot(now);
      if (!real && ++slots >= 100) break;
    }
    // Streams flush every tick (latency); HTTP batches close in runSlot, at their size or age.
    if (!this.http) for (const b of this.outs.values()) this.flush(b);
    const wall = Date.now();
    if (wall - this.lastReport >= 250) this.report(false);
    if (this.stopping || this.nextSlot >= this.endMs) {
      void this.finish();
      return;
    }
    if (this.transport.blocked()) {
      this.timer = setTimeout(() => this.tick(), 1);
      return;
    }
    if (!real) {
      setImmediate(() => this.tick());
      return;
    }
    const wait = this.nextSlot + SLOT_MS - Date.now();
    this.timer = setTimeout(() => this.tick(), Math.max(0, wait));
  }

  private async finish(): Promise<void> {
    for (const b of this.outs.values()) this.flush(b);
    await this.transport.drain();
    await this.transport.close();
    this.report(true);
    parentPort!.close();
  }

  report(final: boolean): void {
    this.lastReport = Date.now();
    const ts = this.transport.stats;
    const families = this.models.map((m, i) => {
      const c = this.synths[i]!.counters;
      const samples = Array.from(c.samples.subarray(0, c.sampleCount));
      c.sampleCount = 0;
      c.seen = 0;
      return {
        id: m.id,
        planned: this.plannedBy[i]!,
        sent: c.lines,
        capped: c.capped,
        series: this.synths[i]!.activeSeries,
        samples,
      };
    });
    const msg: WorkerStats = {
      type: 'stats',
      shard: this.init.shard,
      final,
      planMs: this.nextSlot,
      planned: this.planner.planned,
      expected: this.planner.expected,
      sent: this.sent,
      dropped: this.dropped,
      late: this.late,
      capped: this.synths.reduce((a, s) => a + s.counters.capped, 0),
      malformed: this.synths.reduce((a, s) => a + s.counters.malformed, 0),
      bytes: ts.bytes,
      lostBytes: ts.lostBytes,
      requests: ts.requests,
      httpErrors: ts.httpErrors,
      failedLines: ts.failedLines,
      reconnects: ts.reconnects,
      state: this.transport.state(),
      latency: {
        p50: this.hist.getValueAtPercentile(50),
        p99: this.hist.getValueAtPercentile(99),
        p999: this.hist.getValueAtPercentile(99.9),
        max: this.hist.maxValue,
        count: this.hist.totalCount,
      },
      families,
      batchSizes: this.batchSample,
    };
    this.batchSample = [];
    parentPort!.postMessage(msg);
  }

  private started = false;

  start(): void {
    this.started = true;
    if (this.init.pace === 'real') {
      const wait = this.nextSlot + SLOT_MS - Date.now();
      this.timer = setTimeout(() => this.tick(), Math.max(0, wait));
    } else setImmediate(() => this.tick());
  }

  stop(): void {
    this.stopping = true;
    if (!this.started) {
      void this.finish();
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.tick();
    }
  }
}

if (parentPort) {
  const w = new GeneratorWorker(workerData as WorkerInit);
  parentPort.on('message', (m: ToWorker) => w.message(m));
  parentPort.postMessage({ type: 'ready' });
}
