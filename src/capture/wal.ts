// The write-ahead part writer. One writer per data directory: frames arrive already compressed
// (from the batch workers), are appended in batch order, and are made durable by one fdatasync per
// group; only then does the committer let the ingest thread send 2xx. A part is sealed (closed,
// renamed into sealed/, both directory entries fsynced) by size or age, then handed to the uploader.
import { rename } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { WflgError } from '../lib/errors.js';
import { crc32c } from '../lib/store/crc.js';
import { fsyncDir } from '../lib/store/durable.js';
import {
  partFile,
  saveWriterState,
  type CrashPoints,
  type Dirs,
  type WriterState,
} from './layout.js';
import { PartCounts, type CountsLedger } from './counts.js';
import type { CaptureMetrics } from './metrics.js';
import { emptyStats, mergeStats, type BatchStats } from './protocol.js';

export interface SealedPart {
  readonly seq: number;
  readonly writer: string;
  readonly path: string;
  readonly file: string;
  readonly size: number;
  readonly crc32c: number;
  readonly stats: BatchStats;
  /** Resolves once every batch in the part has reported its line counts (stats.rejects). */
  readonly countsSettled: Promise<void>;
}

interface OpenPart {
  readonly seq: number;
  readonly file: string;
  readonly path: string;
  readonly fh: FileHandle;
  readonly openedMs: number;
  size: number;
  crc: number;
  readonly stats: BatchStats;
  readonly counts: PartCounts;
}

export interface WriterOptions {
  readonly rotateBytes: number;
  readonly rotateMs: number;
  /** The next request seq the ingest thread will hand out, persisted with every new part. */
  readonly nextRequestSeq: () => number;
  readonly onSealed: (p: SealedPart) => void;
  readonly ledger: CountsLedger;
}

export class PartWriter {
  private part: OpenPart | undefined;

  constructor(
    private readonly dirs: Dirs,
    private readonly state: WriterState,
    private readonly opts: WriterOptions,
    private readonly metrics: CaptureMetrics,
    private readonly crash: CrashPoints,
  ) {}

  /** Bytes of the open part on disk. */
  get openBytes(): number {
    return this.part?.size ?? 0;
  }

  get oldestArrivalMs(): number {
    return this.part?.stats.firstArrivalMs ?? Infinity;
  }

  due(nowMs: number): boolean {
    const p = this.part;
    return (
      p !== undefined &&
      (p.stats.rawBytes >= this.opts.rotateBytes || nowMs - p.openedMs >= this.opts.rotateMs)
    );
  }

  /** Appends frames and fdatasyncs them. Throws WFLG_E_CAPTURE_IO; the caller must crash-stop. */
  async append(
    frames: readonly Uint8Array[],
    stats: BatchStats,
    batches: readonly number[],
  ): Promise<void> {
    try {
      const p = this.part ?? (await this.openNext());
      let len = 0;
      for (const f of frames) len += f.length;
      if (this.crash.due('torn-write')) {
        // The group reaches the file up to the middle of its last frame, then the process dies:
        // recovery must cut that frame off. (Half of the whole group could end exactly on a frame
        // boundary, which leaves nothing torn.)
        const all = Buffer.concat(frames);
        const cut = all.length - Math.max(1, frames[frames.length - 1]!.length >> 1);
        await p.fh.write(all, 0, cut, p.size);
        this.crash.die();
      }
      let written = 0;
      while (written < len) {
        const rest = written === 0 ? frames : [Buffer.concat(frames).subarray(written)];
        written += (await p.fh.writev(rest as Uint8Array[], p.size + written)).bytesWritten;
      }
      this.crash.hit('frame-written');
      const t0 = process.hrtime.bigint();
      await p.fh.datasync();
      this.metrics.fsyncSeconds.observe(Number(process.hrtime.bigint() - t0) / 1e9);
      this.crash.hit('frame-synced');
      for (const f of frames) p.crc = crc32c(f, p.crc);
      p.size += len;
      mergeStats(p.stats, stats);
      for (const b of batches) this.opts.ledger.place(b, p.counts);
      this.metrics.bytesStored.inc(len);
    } catch (err) {
      throw new WflgError(
        'WFLG_E_CAPTURE_IO',
        `write-ahead append failed: ${String(err)}`,
        {},
        {
          cause: err,
        },
      );
    }
  }

  private async openNext(): Promise<OpenPart> {
    const seq = this.state.nextPartSeq;
    this.state.nextPartSeq = seq + 1;
    this.state.nextRequestSeq = this.opts.nextRequestSeq();
    // The counter is durable before the name is used, so a seq is never handed out twice.
    await saveWriterState(this.dirs.root, this.state);
    const file = partFile(this.state.writer, seq);
    const path = join(this.dirs.open, `${file}.open`);
    const fh = await open(path, 'wx');
    await fsyncDir(this.dirs.open);
    const stats = emptyStats();
    const counts = new PartCounts(stats.rejects);
    this.part = { seq, file, path, fh, openedMs: Date.now(), size: 0, crc: 0, stats, counts };
    return this.part;
  }

  /** Closes the open part and moves it to sealed/ durably; no-op without one. */
  async seal(): Promise<void> {
    const p = this.part;
    if (!p) return;
    this.part = undefined;
    try {
      await p.fh.close();
      const path = join(this.dirs.sealed, p.file);
      await rename(p.path, path);
      this.crash.hit('sealed');
      await fsyncDir(this.dirs.sealed);
      await fsyncDir(this.dirs.open);
      this.metrics.partsSealed.inc();
      this.opts.onSealed({
        seq: p.seq,
        writer: this.state.writer,
        path,
        file: p.file,
        size: p.size,
        crc32c: p.crc,
        stats: p.stats,
        countsSettled: p.counts.settled(),
      });
    } catch (err) {
      throw new WflgError(
        'WFLG_E_CAPTURE_IO',
        `sealing ${p.file} failed: ${String(err)}`,
        {},
        {
          cause: err,
        },
      );
    }
  }
}
