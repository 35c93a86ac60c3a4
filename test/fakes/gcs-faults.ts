// Fault instructions for the strict fake GCS, named after storage-testbench's Retry Test API
// (return-503, return-reset-connection, return-broken-stream-after-NK, ...) so a scenario reads
// the same as Google's conformance cases. Instructions queue per method and are consumed in
// order, one per matching request; `remaining()` shows what a test did not use up.

/** The request kinds a fault can target, as the client library and our uploader issue them. */
export type FaultMethod =
  | 'upload.initiate' // POST uploadType=resumable
  | 'upload.chunk' // PUT with a body range
  | 'upload.status' // PUT Content-Range: bytes */N, empty body
  | 'upload.multipart' // POST uploadType=multipart (the library's small-object save)
  | 'object.get' // GET metadata
  | 'object.media' // GET alt=media
  | 'object.list'
  | 'object.delete';

export type Fault =
  /** Answer with this status (and a JSON error body) without acting on the request. */
  | { kind: 'status'; status: number }
  /** Destroy the socket before answering. */
  | { kind: 'reset' }
  /** Take `bytes` of the body (a chunk keeps what it got, rounded down to 256 KiB), then cut. */
  | { kind: 'broken-stream'; bytes: number }
  /** A chunk is stored only up to `bytes` of its body, and 308 reports that shorter range. */
  | { kind: 'persist-partial'; bytes: number }
  /** The upload session is forgotten before the request is handled (answers 404). */
  | { kind: 'expire-session' }
  /** Wait before handling. */
  | { kind: 'stall'; ms: number }
  /** Handle the request completely (commit included), then cut the connection instead of answering. */
  | { kind: 'drop-response' };

export function parseFault(text: string): Fault {
  let m: RegExpExecArray | null;
  if ((m = /^return-(\d{3})$/.exec(text))) return { kind: 'status', status: Number(m[1]) };
  if (text === 'return-reset-connection') return { kind: 'reset' };
  if ((m = /^return-broken-stream-after-(\d+)K$/.exec(text)))
    return { kind: 'broken-stream', bytes: Number(m[1]) * 1024 };
  if ((m = /^persist-partial-(\d+)K$/.exec(text)))
    return { kind: 'persist-partial', bytes: Number(m[1]) * 1024 };
  if (text === 'expire-session') return { kind: 'expire-session' };
  if ((m = /^stall-for-(\d+)ms$/.exec(text))) return { kind: 'stall', ms: Number(m[1]) };
  // testbench: the final chunk is processed and the response stream breaks; here before any byte.
  if (text === 'return-broken-stream-final-chunk-after-0B') return { kind: 'drop-response' };
  throw new Error(`unknown fault instruction '${text}'`);
}

export class FaultQueue {
  readonly #queues = new Map<FaultMethod, { text: string; fault: Fault }[]>();
  readonly consumed: { method: FaultMethod; instruction: string }[] = [];

  add(method: FaultMethod, ...instructions: string[]): void {
    const q = this.#queues.get(method) ?? [];
    for (const text of instructions) q.push({ text, fault: parseFault(text) });
    this.#queues.set(method, q);
  }

  take(method: FaultMethod): Fault | undefined {
    const next = this.#queues.get(method)?.shift();
    if (!next) return undefined;
    this.consumed.push({ method, instruction: next.text });
    return next.fault;
  }

  remaining(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [method, q] of this.#queues) if (q.length) out[method] = q.map((f) => f.text);
    return out;
  }
}
