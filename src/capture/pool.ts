// The batch workers. Batches go round-robin; each worker answers its batches in order, and the
// committer restores the global order, so a slow batch delays acks but never reorders a part.
import { Worker } from 'node:worker_threads';
import { WflgError } from '../lib/errors.js';
import type { BatchIn, BatchOut, CountsOut, WorkerInit } from './protocol.js';

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private rr = 0;
  private closing = false;

  constructor(
    n: number,
    init: WorkerInit,
    onOut: (out: BatchOut | CountsOut) => void,
    onFatal: (err: unknown) => void,
  ) {
    for (let i = 0; i < n; i++) {
      const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
      w.on('message', onOut);
      w.on('error', onFatal);
      w.on('exit', (code) => {
        if (!this.closing)
          onFatal(new WflgError('WFLG_E_INTERNAL', `batch worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  send(m: BatchIn): void {
    const w = this.workers[this.rr++ % this.workers.length]!;
    w.postMessage(m, [...m.bodies]);
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
