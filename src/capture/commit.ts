// Group commit. Batches come back from the workers out of order; frames are appended strictly in
// batch order, and everything that finished while one fdatasync ran is written by the next one,
// so the group grows with load and the fsync rate stays bounded.
import { emptyStats, mergeStats, type BatchOut } from './protocol.js';
import type { PartWriter } from './wal.js';

export interface Done<C> {
  readonly out: BatchOut;
  readonly ctx: C;
}

export class Committer<C> {
  private readonly ready = new Map<number, Done<C>>();
  private next = 0;
  private busy = false;
  private sealWanted = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly writer: PartWriter,
    /** Caps one write, so a burst becomes several fsyncs rather than one unbounded one. */
    private readonly groupBytes: number,
    private readonly onDurable: (group: readonly Done<C>[]) => void,
    private readonly onFatal: (err: unknown) => void,
  ) {}

  add(out: BatchOut, ctx: C): void {
    this.ready.set(out.b, { out, ctx });
    void this.pump();
  }

  /** Seals the open part at the next opportunity (age rotation, drain). */
  requestSeal(): void {
    this.sealWanted = true;
    void this.pump();
  }

  get pendingBatches(): number {
    return this.ready.size;
  }

  /** Resolves once nothing is queued or being written. */
  whenIdle(): Promise<void> {
    if (!this.busy && this.ready.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (;;) {
        if (this.sealWanted || this.writer.due(Date.now())) {
          this.sealWanted = false;
          await this.writer.seal();
        }
        const group: Done<C>[] = [];
        const frames: Uint8Array[] = [];
        const batches: number[] = [];
        const stats = emptyStats();
        let bytes = 0;
        for (let d = this.ready.get(this.next); d !== undefined; d = this.ready.get(this.next)) {
          if (group.length > 0 && bytes >= this.groupBytes) break;
          this.ready.delete(this.next++);
          group.push(d);
          if (d.out.frame) {
            frames.push(new Uint8Array(d.out.frame));
            batches.push(d.out.b);
            bytes += d.out.frame.byteLength;
            mergeStats(stats, d.out.stats);
          }
        }
        if (group.length === 0) break;
        if (frames.length > 0) await this.writer.append(frames, stats, batches);
        this.onDurable(group);
      }
    } catch (err) {
      this.onFatal(err);
      return;
    } finally {
      this.busy = false;
    }
    // A seal or a batch that arrived during the last await still needs a pass.
    if (this.sealWanted || this.ready.has(this.next)) return this.pump();
    if (this.ready.size === 0) for (const f of this.idle.splice(0)) f();
  }
}
