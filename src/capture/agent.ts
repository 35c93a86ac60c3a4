// Wires the capture agent together and owns its life cycle: listen (refusing with 503 while
// recovering), recover the data directory, become ready, run, and on drain stop being ready,
// finish in-flight requests, seal and upload everything within a deadline.
import { statfs } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { openStore, type ObjectStore } from '../lib/store/index.js';
import { Committer } from './commit.js';
import type { CaptureConfig } from './config.js';
import { Ingest, type Gate } from './ingest.js';
import { CrashPoints, dirsOf, loadWriterState, lockDir, makeDirs, type Dirs } from './layout.js';
import { Manifests } from './manifest.js';
import { CaptureMetrics } from './metrics.js';
import { WorkerPool } from './pool.js';
import { isCounts, type Refusal } from './protocol.js';
import { CountsLedger } from './counts.js';
import { recover, type RecoveryReport } from './recovery.js';
import { Uploader } from './uploader.js';
import { PartWriter } from './wal.js';

export interface AgentHooks {
  /** Structured events (one JSON object per line on stderr from the CLI). */
  readonly log: (event: Record<string, unknown>) => void;
  /** A write-ahead I/O failure or a dead worker: the process must stop; recovery sorts it out. */
  readonly fatal: (err: unknown) => void;
}

const TICK_MS = 200;

export class Agent {
  private recovering = true;
  private draining = false;
  private freeBytes = Infinity;
  private readonly reserveBytes: number;
  private readonly ticker: NodeJS.Timeout;
  /** Resolves once recovery finished and the agent is ready. */
  readonly recovered: Promise<RecoveryReport>;

  private constructor(
    private readonly cfg: CaptureConfig,
    readonly metrics: CaptureMetrics,
    private readonly dirs: Dirs,
    private readonly store: ObjectStore,
    private readonly ingest: Ingest,
    private readonly pool: WorkerPool,
    private readonly writer: PartWriter,
    private readonly committer: Committer<unknown>,
    private readonly uploader: Uploader,
    readonly port: number,
    recovery: () => Promise<RecoveryReport>,
  ) {
    this.reserveBytes = 4 * cfg.batchBytes;
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.recovered = recovery().then((r) => {
      this.recovering = false;
      this.tick();
      return r;
    });
  }

  static async start(cfg: CaptureConfig, hooks: AgentHooks): Promise<Agent> {
    const dirs = dirsOf(cfg.dataDir);
    await makeDirs(dirs);
    await lockDir(dirs.root);
    const state = await loadWriterState(dirs.root);
    const store = await openStore(
      cfg.store,
      cfg.gcsEndpoint ? { gcsEndpoint: cfg.gcsEndpoint } : {},
    );
    const crash = new CrashPoints(cfg.crashAt);
    const seq = { next: state.nextRequestSeq };
    // Built in dependency order; the closures below only run once everything exists.
    const ref: { agent?: Agent } = {};
    const metrics = new CaptureMetrics();
    const uploader = new Uploader(
      store,
      new Manifests(store, crash),
      dirs,
      {
        concurrency: cfg.uploadConcurrency,
        mig: cfg.mig,
        instance: cfg.instance,
        mirrorFraction: cfg.mirrorFraction,
        log: hooks.log,
      },
      metrics,
      crash,
    );
    const ledger = new CountsLedger();
    const writer = new PartWriter(
      dirs,
      state,
      {
        rotateBytes: cfg.rotateBytes,
        rotateMs: cfg.rotateSeconds * 1000,
        nextRequestSeq: () => seq.next,
        onSealed: (p) => uploader.add(p),
        ledger,
      },
      metrics,
      crash,
    );
    const gate: Gate = {
      refusal: (n) => (ref.agent ? ref.agent.refusal(n) : 'recovering'),
      notReady: () => ref.agent?.notReady() ?? ['recovering'],
    };
    const ingest = new Ingest(
      {
        maxBodyBytes: cfg.maxBodyBytes,
        maxInflightBytes: cfg.maxInflightBytes,
        batchBytes: cfg.batchBytes,
        bodyTimeoutMs: cfg.bodyTimeout * 1000,
      },
      gate,
      metrics,
      (m) => pool.send(m),
      seq,
    );
    const committer = new Committer<ReturnType<Ingest['batchDone']>>(
      writer,
      4 * cfg.batchBytes,
      (group) => ingest.durable(group),
      hooks.fatal,
    );
    const pool = new WorkerPool(
      cfg.threads,
      {
        level: cfg.zstdLevel,
        salt: state.salt,
        mirrorFraction: cfg.mirrorFraction,
        maxDecodedBytes: cfg.maxDecodedBytes,
      },
      (m) => {
        if (!isCounts(m)) return committer.add(m, ingest.batchDone(m));
        metrics.kinds(m.kinds);
        metrics.rejected(m.rejects);
        ledger.arrived(m.counts, m.rejects);
      },
      hooks.fatal,
    );
    let port: number;
    try {
      port = await ingest.listen(cfg.listen);
    } catch (err) {
      await pool.close();
      throw err;
    }
    const agent = new Agent(
      cfg,
      metrics,
      dirs,
      store,
      ingest,
      pool,
      writer,
      committer as Committer<unknown>,
      uploader,
      port,
      async () => {
        const report = await recover(dirs, state, metrics);
        seq.next = state.nextRequestSeq;
        for (const p of report.sealed) uploader.add(p);
        hooks.log({ event: 'recovered', parts: report.sealed.length, ...summary(report) });
        return report;
      },
    );
    ref.agent = agent;
    agent.recovered.catch(hooks.fatal);
    return agent;
  }

  private get diskBytes(): number {
    return this.writer.openBytes + this.uploader.sealedBytes;
  }

  refusal(incoming: number): Refusal | undefined {
    if (this.recovering) return 'recovering';
    if (this.draining) return 'draining';
    if (this.diskBytes + this.ingest.inflightBytes + incoming > this.cfg.maxDiskBytes)
      return 'disk_full';
    if (this.freeBytes < this.reserveBytes) return 'disk_full';
    return undefined;
  }

  notReady(): string[] {
    const why: string[] = [];
    if (this.recovering) why.push('recovering');
    if (this.draining) why.push('draining');
    if (this.diskBytes >= this.cfg.diskHighWater * this.cfg.maxDiskBytes) why.push('disk_high');
    if (this.freeBytes < 2 * this.reserveBytes) why.push('disk_free_low');
    return why;
  }

  private tick(): void {
    const now = Date.now();
    if (!this.recovering && this.writer.due(now)) this.committer.requestSeal();
    const oldest = Math.min(this.writer.oldestArrivalMs, this.uploader.oldestArrivalMs);
    const m = this.metrics;
    m.backlogSeconds.set(Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : 0);
    m.diskBytes.set(this.diskBytes);
    m.inflightBytes.set(this.ingest.inflightBytes);
    m.ready.set(this.notReady().length === 0 ? 1 : 0);
    void statfs(this.dirs.root).then(
      (s) => (this.freeBytes = s.bavail * s.bsize),
      () => undefined,
    );
  }

  /**
   * Stops being ready, answers what is in flight, seals, and uploads until `deadlineMs`.
   * Resolves with the parts still not uploaded (0 on a clean drain).
   */
  async drain(deadlineMs: number): Promise<number> {
    this.draining = true;
    await this.recovered.catch(() => undefined);
    const late = (): boolean => Date.now() >= deadlineMs;
    while (this.ingest.pending > 0 && !late()) await sleep(10);
    await Promise.race([this.committer.whenIdle(), sleep(Math.max(0, deadlineMs - Date.now()))]);
    this.committer.requestSeal();
    await Promise.race([this.committer.whenIdle(), sleep(Math.max(0, deadlineMs - Date.now()))]);
    await Promise.race([this.uploader.whenEmpty(), sleep(Math.max(0, deadlineMs - Date.now()))]);
    return this.uploader.count + (this.writer.openBytes > 0 ? 1 : 0);
  }

  /** Closes the listen socket, workers and store. Call once, after drain (or to abandon). */
  async close(): Promise<void> {
    clearInterval(this.ticker);
    this.uploader.stop();
    this.ingest.close();
    await this.pool.close();
    await this.store.close();
  }
}

function summary(r: RecoveryReport): Record<string, unknown> {
  return {
    truncatedBytes: r.truncatedBytes,
    corruptFrames: r.corruptFrames,
    dropped: r.dropped.length,
  };
}
