// Ships sealed parts: N objects in flight, each a create-only upload verified by size and CRC32C
// (the store resumes a persisted session after a crash and settles a 412 by comparing checksums),
// then its manifest line, then the local copy is deleted. Failures back off exponentially with
// jitter and retry forever; a part whose name already holds different content is quarantined.
import { rename, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { WflgError, isWflgError } from '../lib/errors.js';
import { fsyncDir } from '../lib/store/durable.js';
import type { ObjectStore } from '../lib/store/index.js';
import { manifestName, objectName, type CrashPoints, type Dirs } from './layout.js';
import type { Manifests } from './manifest.js';
import type { CaptureMetrics, UploadError } from './metrics.js';
import type { SealedPart } from './wal.js';

export interface UploaderOptions {
  readonly concurrency: number;
  readonly mig: string;
  readonly instance: string;
  readonly mirrorFraction: number;
  readonly log: (event: Record<string, unknown>) => void;
}

const BASE_MS = 250;
const MAX_MS = 30_000;

export class Uploader {
  private readonly queue: SealedPart[] = [];
  private readonly waiting = new Set<NodeJS.Timeout>();
  private readonly parts = new Map<string, SealedPart>();
  private readonly attempts = new Map<string, number>();
  private active = 0;
  private sealedBytesTotal = 0;
  private empty: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly manifests: Manifests,
    private readonly dirs: Dirs,
    private readonly opts: UploaderOptions,
    private readonly metrics: CaptureMetrics,
    private readonly crash: CrashPoints,
  ) {}

  add(p: SealedPart): void {
    this.parts.set(p.file, p);
    this.sealedBytesTotal += p.size;
    this.queue.push(p);
    this.pump();
  }

  get sealedBytes(): number {
    return this.sealedBytesTotal;
  }

  get count(): number {
    return this.parts.size;
  }

  get oldestArrivalMs(): number {
    let t = Infinity;
    for (const p of this.parts.values()) t = Math.min(t, p.stats.firstArrivalMs);
    return t;
  }

  whenEmpty(): Promise<void> {
    if (this.parts.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.empty.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.waiting) clearTimeout(t);
    this.waiting.clear();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.opts.concurrency && this.queue.length > 0) {
      const p = this.queue.shift()!;
      this.active++;
      void this.run(p);
    }
  }

  private async run(p: SealedPart): Promise<void> {
    try {
      await this.upload(p);
      this.done(p);
    } catch (err) {
      const reason = reasonOf(err);
      this.metrics.uploadError(reason);
      if (reason === 'conflict' && (await this.provenConflict(p))) await this.quarantine(p, err);
      else this.retryLater(p, err);
    } finally {
      this.active--;
      this.pump();
    }
  }

  private objectOf(p: SealedPart): string {
    return objectName(this.opts.mig, this.opts.instance, p.stats.firstArrivalMs, p.file);
  }

  /**
   * Quarantine takes a part out of the upload path for good, so a conflict must be proven: the
   * object is there and differs. A store that cannot even say (its root is gone, a path segment
   * is not a directory) is an outage: retry.
   */
  private async provenConflict(p: SealedPart): Promise<boolean> {
    try {
      const o = await this.store.stat(this.objectOf(p));
      return o !== undefined && (o.size !== p.size || o.crc32c !== p.crc32c);
    } catch {
      return false;
    }
  }

  private async upload(p: SealedPart): Promise<void> {
    const { instance } = this.opts;
    const object = this.objectOf(p);
    const info = await this.store.putFile(object, p.path, {
      size: p.size,
      crc32c: p.crc32c,
      sessionPath: `${p.path}.session`,
    });
    this.crash.hit('uploaded');
    if (info.size !== p.size || info.crc32c !== p.crc32c)
      throw new WflgError(
        'WFLG_E_STORE_VERIFY',
        `${object}: stored object differs from ${p.file}`,
        {
          object,
        },
      );
    const s = p.stats;
    await p.countsSettled;
    try {
      await this.manifests.append(manifestName(instance, s.firstArrivalMs), {
        object,
        size: p.size,
        crc32c: p.crc32c,
        generation: info.generation,
        lines: s.lines,
        requests: s.requests,
        rawBytes: s.rawBytes,
        firstArrivalMs: s.firstArrivalMs,
        lastArrivalMs: s.lastArrivalMs,
        writer: p.writer,
        seq: p.seq,
        mirrorFraction: this.opts.mirrorFraction,
        rejects: Object.fromEntries([...s.rejects].sort()),
      });
    } catch (err) {
      throw new WflgError(
        'WFLG_E_STORE_UNAVAILABLE',
        `manifest append: ${String(err)}`,
        {
          manifest: true,
        },
        { cause: err },
      );
    }
    // Only a confirmed, listed part may leave the disk.
    await unlink(p.path);
    await rm(`${p.path}.session`, { force: true });
    await fsyncDir(this.dirs.sealed);
    this.metrics.bytesUploaded.inc(p.size);
    this.metrics.partsUploaded.inc();
  }

  private done(p: SealedPart): void {
    this.parts.delete(p.file);
    this.attempts.delete(p.file);
    this.sealedBytesTotal -= p.size;
    if (this.parts.size === 0) for (const f of this.empty.splice(0)) f();
  }

  private retryLater(p: SealedPart, err: unknown): void {
    const n = (this.attempts.get(p.file) ?? 0) + 1;
    this.attempts.set(p.file, n);
    const delay = Math.min(MAX_MS, BASE_MS * 2 ** Math.min(n, 20)) * (0.5 + Math.random() / 2);
    this.opts.log({
      event: 'upload_retry',
      part: p.file,
      attempt: n,
      delayMs: Math.round(delay),
      error: String(err),
    });
    const t = setTimeout(() => {
      this.waiting.delete(t);
      this.queue.unshift(p);
      this.pump();
    }, delay);
    this.waiting.add(t);
  }

  private async quarantine(p: SealedPart, err: unknown): Promise<void> {
    this.opts.log({ event: 'part_quarantined', part: p.file, error: String(err) });
    await rename(p.path, join(this.dirs.quarantine, p.file));
    await fsyncDir(this.dirs.quarantine);
    await fsyncDir(this.dirs.sealed);
    this.metrics.partsQuarantined.inc();
    this.done(p);
  }
}

function reasonOf(err: unknown): UploadError {
  if (isWflgError(err, 'WFLG_E_STORE_CONFLICT')) return 'conflict';
  if (isWflgError(err, 'WFLG_E_STORE_VERIFY')) return 'verify';
  if (isWflgError(err) && err.details?.manifest === true) return 'manifest';
  if (isWflgError(err, 'WFLG_E_STORE_UNAVAILABLE')) return 'unavailable';
  return 'other';
}
