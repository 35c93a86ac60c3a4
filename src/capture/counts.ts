// Where each batch's line counts go. Counts arrive from the worker after the batch's frame, once
// the worker has no batch waiting: before the frame is written or after, possibly after its part
// is sealed. Either way they are added to the part that holds the frame, and a sealed part's
// manifest line waits until all of its batches have reported.
import { mergeRejects } from './protocol.js';

export class PartCounts {
  private waiting = 0;
  private readonly waiters: Array<() => void> = [];

  constructor(readonly rejects: Map<string, number>) {}

  expect(): void {
    this.waiting++;
  }

  add(rejects: ReadonlyMap<string, number>, expected: boolean): void {
    mergeRejects(this.rejects, rejects);
    if (expected && --this.waiting === 0) for (const f of this.waiters.splice(0)) f();
  }

  settled(): Promise<void> {
    if (this.waiting === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

export class CountsLedger {
  private readonly early = new Map<number, ReadonlyMap<string, number>>();
  private readonly home = new Map<number, PartCounts>();

  /** The worker reported batch `b`'s counts. */
  arrived(b: number, rejects: ReadonlyMap<string, number>): void {
    const part = this.home.get(b);
    if (!part) {
      this.early.set(b, rejects);
      return;
    }
    this.home.delete(b);
    part.add(rejects, true);
  }

  /** Batch `b`'s frame is now durable in `part`. */
  place(b: number, part: PartCounts): void {
    const e = this.early.get(b);
    if (e) {
      this.early.delete(b);
      part.add(e, false);
      return;
    }
    part.expect();
    this.home.set(b, part);
  }
}
