// The batch workers. Each batch goes to the worker with the fewest body bytes outstanding (join the
// shortest queue): round-robin put a batch behind a worker busy with a 16 MiB body while another
// sat idle. A batch stays outstanding until its line counts are in (they are deferred work of the
// same worker), or until its BatchOut when nothing was stored. Bytes are wire bytes: a gzip body
// weighs less than the work it brings. Each worker answers its batches in order, and the
// committer restores the global order, so a slow batch delays acks but never reorders a part.
import { Worker } from 'node:worker_threads';
import { WflgError } from '../lib/errors.js';
import {
  isCounts,
  type BatchIn,
  type BatchOut,
  type CountsOut,
  type WorkerInit,
} from './protocol.js';

/** Outstanding bytes per worker; ties go to the next worker in turn, so idle ones share work. */
export class LeastLoaded {
  private readonly load: number[];
  private readonly owner = new Map<number, { w: number; bytes: number }>();
  private turn = 0;

  constructor(n: number) {
    this.load = new Array<number>(n).fill(0);
  }

  assign(b: number, bytes: number): number {
    const n = this.load.length;
    let best = this.turn % n;
    for (let k = 1; k < n; k++) {
      const i = (this.turn + k) % n;
      if (this.load[i]! < this.load[best]!) best = i;
    }
    this.turn = best + 1;
    this.load[best]! += bytes;
    this.owner.set(b, { w: best, bytes });
    return best;
  }

  done(b: number): void {
    const o = this.owner.get(b);
    if (!o) return;
    this.owner.delete(b);
    this.load[o.w]! -= o.bytes;
  }

  loadOf(w: number): number {
    return this.load[w]!;
  }
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly dispatch: LeastLoaded;
  private closing = false;

  constructor(
    n: number,
    init: WorkerInit,
    onOut: (out: BatchOut | CountsOut) => void,
    onFatal: (err: unknown) => void,
  ) {
    this.dispatch = new LeastLoaded(n);
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
      w.on('message', (m: BatchOut | CountsOut) => {
        if (isCounts(m)) this.dispatch.done(m.counts);
        else if (!m.frame) this.dispatch.done(m.b);
        onOut(m);
      });
      w.on('error', onFatal);
      w.on('exit', (code) => {
        if (!this.closing)
          onFatal(new WflgError('WFLG_E_INTERNAL', `batch worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  send(m: BatchIn): void {
    let bytes = 0;
    for (const body of m.bodies) bytes += body.byteLength;
    this.workers[this.dispatch.assign(m.b, bytes)]!.postMessage(m, [...m.bodies]);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
