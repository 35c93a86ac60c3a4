// Line classification deferred behind compression. A request's 2xx waits for its frame, never for
// its line counts, yet counting costs a worker more CPU than compressing (count parse ≈ 810 MB/s,
// zstd -3 ≈ 960 MB/s on the corpus). Counting a batch right after its frame made the next batch
// wait behind it. Measured with `node dist/bench/capture.bench.js` (one worker, 2 vCPUs, six
// alternated pairs): deferring it until the worker has no batch waiting took the ack p99 from
// 17.7–21.3 to 14.5–17.4 ms under Poisson arrivals and from 20.4–25.7 to 18.3–21.3 ms under fixed
// pacing, for about 4 % of throughput per core.
//
// Bounds: the bodies waiting to be counted are held (not copied) up to `capBytes`; past it a worker
// counts inline again, so a worker that is never idle keeps memory flat and loses only the
// reordering. One step counts about `sliceBytes`, cut at a line end, so a batch that arrives
// mid-count waits for one slice, not for a whole body.
import type { Counts } from './classify.js';
import type { CountsOut } from './protocol.js';

export interface LineCounter {
  count(body: Buffer, query: string, into: Counts): number;
}

interface Pending {
  readonly b: number;
  /** Each is dropped (null) once counted, so memory is given back body by body. */
  readonly bodies: Array<Buffer | null>;
  readonly queries: readonly string[];
  readonly counts: Counts;
  body: number;
  at: number;
}

const NL = 10;

export class DeferredCounts {
  private readonly pending: Pending[] = [];
  private bytes = 0;

  constructor(
    private readonly counter: LineCounter,
    private readonly newCounts: () => Counts,
    private readonly post: (c: CountsOut) => void,
    private readonly capBytes: number,
    private readonly sliceBytes: number,
  ) {}

  /** Bytes held and not yet counted. */
  get backlogBytes(): number {
    return this.bytes;
  }

  get idle(): boolean {
    return this.pending.length === 0;
  }

  /** Queues a batch's stored bodies; its counts are posted once all of them are counted. */
  add(b: number, bodies: readonly Buffer[], queries: readonly string[]): void {
    const p: Pending = {
      b,
      bodies: [...bodies],
      queries,
      counts: this.newCounts(),
      body: 0,
      at: 0,
    };
    for (const body of bodies) this.bytes += body.length;
    this.pending.push(p);
    this.settleHead();
  }

  /** Counts one slice of the oldest batch (at most the rest of a body). False when nothing is pending. */
  step(slice = this.sliceBytes): boolean {
    const p = this.pending[0];
    if (!p) return false;
    const body = p.bodies[p.body]!;
    const want = p.at + slice;
    // From the slice's last byte: a slice that ends on a line end ends there.
    const nl = want >= body.length ? -1 : body.indexOf(NL, want - 1);
    const end = nl < 0 ? body.length : nl + 1;
    this.counter.count(body.subarray(p.at, end), p.queries[p.body]!, p.counts);
    this.bytes -= end - p.at;
    p.at = end;
    this.settleHead();
    return true;
  }

  /** Counts inline, whole bodies (nothing waits on a slice here), until within the cap. */
  trim(): void {
    while (this.bytes > this.capBytes && this.step(Infinity));
  }

  /** Moves the head past finished bodies; posts each batch that has none left, in order. */
  private settleHead(): void {
    for (let p = this.pending[0]; p; p = this.pending[0]) {
      while (p.body < p.bodies.length && p.at >= p.bodies[p.body]!.length) {
        p.bodies[p.body++] = null;
        p.at = 0;
      }
      if (p.body < p.bodies.length) return;
      this.pending.shift();
      this.post({ counts: p.b, kinds: p.counts.kinds, rejects: p.counts.rejects });
    }
  }
}
