// The ingest thread: one uWebSockets.js App that takes every POST as a mirrored request, copies its
// body once out of uWS's transient chunks, batches complete requests for the workers, and answers
// 2xx only when the committer reports the request's frame durable.
//
// Why one uWS thread rather than one App per worker on a shared port: the uWS build we ship
// (20.30) sets no SO_REUSEPORT and has no socket hand-off between Apps, so a second App cannot bind
// the port. Receiving is cheap (GB/s per core); the per-byte costs (inflate, parse, zstd) run on
// the N batch workers, and one writer owns the part, so there is a single writer id and seq space.
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { HostPort } from '../lib/config.js';
import {
  guard,
  listen,
  send,
  sendJson,
  sendMetrics,
  statusLine,
  type Listening,
} from '../lib/http.js';
import { loadUws } from '../lib/uws.js';
import type { Done } from './commit.js';
import type { CaptureMetrics } from './metrics.js';
import { REFUSALS, type Abort, type BatchIn, type BatchOut, type Refusal } from './protocol.js';

export interface Gate {
  /** Why a new request must be refused now (recovering, draining, disk budget), if at all. */
  refusal(incomingBytes: number): Refusal | undefined;
  /** Empty when ready. */
  notReady(): string[];
}

export interface IngestOptions {
  readonly maxBodyBytes: number;
  readonly maxInflightBytes: number;
  readonly batchBytes: number;
  readonly bodyTimeoutMs: number;
}

const STATUS_OF: Record<Refusal, number> = {
  body_too_large: 413,
  decoded_too_large: 413,
  bad_encoding: 400,
  unsupported_encoding: 415,
  overloaded: 503,
  disk_full: 503,
  draining: 503,
  recovering: 503,
  method_not_allowed: 405,
  uri_too_long: 414,
  bad_request: 400,
};
const ENCODING: Record<string, number> = { '': 0, identity: 0, gzip: 1, 'x-gzip': 1, deflate: 2 };
const MAX_TARGET = 2048;

class Req {
  aborted = false;
  finished = false;
  len = 0;
  reserved = 0;
  endMs = 0;
  buf: Buffer | null = null;
  chunks: Buffer[] | null = null;
  constructor(
    readonly res: HttpResponse,
    readonly startMs: number,
    readonly cl: number,
    readonly enc: number,
    readonly path: string,
    readonly query: string,
    readonly client: string,
  ) {}
}

export class Ingest {
  private readonly receiving = new Set<Req>();
  private readonly outstanding = new Map<number, Req[]>();
  private batch: Req[] = [];
  private bodies: Buffer[] = [];
  private batchBytes = 0;
  private flushQueued = false;
  private nextBatch = 0;
  private inflight = 0;
  private listening: Listening | undefined;
  private readonly sweep: NodeJS.Timeout;
  private readonly app: TemplatedApp;

  constructor(
    private readonly opts: IngestOptions,
    private readonly gate: Gate,
    private readonly metrics: CaptureMetrics,
    private readonly send: (m: BatchIn) => void,
    /** Request seq counter, shared with the writer so it can persist it with each part. */
    private readonly seq: { next: number },
  ) {
    this.app = loadUws().App();
    this.app.any('/*', (res, req) => this.route(res, req));
    this.sweep = setInterval(() => this.expire(), Math.min(1000, opts.bodyTimeoutMs / 2));
  }

  async listen(at: HostPort): Promise<number> {
    this.listening = await listen(this.app, at);
    return this.listening.port;
  }

  /** Requests not yet answered (receiving, in a worker, or waiting for their fsync). */
  get pending(): number {
    return this.receiving.size + this.outstanding.size + this.batch.length;
  }

  get outstandingBatches(): number {
    return this.outstanding.size + (this.batch.length > 0 ? 1 : 0);
  }

  get inflightBytes(): number {
    return this.inflight;
  }

  close(): void {
    clearInterval(this.sweep);
    this.listening?.close();
    this.listening = undefined;
  }

  private route(res: HttpResponse, req: HttpRequest): void {
    const method = req.getMethod();
    const url = req.getUrl();
    if (method === 'get') return this.control(res, url);
    const query = req.getQuery() ?? '';
    const enc = ENCODING[req.getHeader('content-encoding').toLowerCase()];
    const clText = req.getHeader('content-length');
    const cl = clText === '' ? -1 : /^\d{1,15}$/.test(clText) ? Number(clText) : -2;
    const xff = req.getHeader('x-forwarded-for');
    const client = xff
      ? xff.split(',')[0]!.trim()
      : Buffer.from(res.getRemoteAddressAsText()).toString();
    const r = new Req(res, Date.now(), cl, enc ?? 0, url, query, client);
    res.onAborted(() => this.onAborted(r));
    const hasBody = cl > 0 || req.getHeader('transfer-encoding') !== '';
    const refusal =
      method !== 'post'
        ? 'method_not_allowed'
        : cl === -2
          ? 'bad_request'
          : url.length + query.length > MAX_TARGET
            ? 'uri_too_long'
            : enc === undefined
              ? 'unsupported_encoding'
              : cl > this.opts.maxBodyBytes
                ? 'body_too_large'
                : (this.gate.refusal(Math.max(cl, 0)) ??
                  (this.inflight + Math.max(cl, 0) > this.opts.maxInflightBytes
                    ? 'overloaded'
                    : undefined));
    // An unread body would be parsed as the next request: refusals close the connection.
    if (refusal !== undefined) return this.refuse(r, refusal, hasBody);
    r.reserved = Math.max(cl, 0);
    this.inflight += r.reserved;
    if (cl >= 0) r.buf = Buffer.allocUnsafeSlow(cl);
    else r.chunks = [];
    this.receiving.add(r);
    res.onData((chunk, isLast) => this.onData(r, chunk, isLast));
  }

  private onData(r: Req, chunk: ArrayBuffer, isLast: boolean): void {
    if (r.finished || r.aborted) return;
    // uWS neuters `chunk` when this callback returns: copy it once, here.
    const n = chunk.byteLength;
    if (r.len + n > this.opts.maxBodyBytes || (r.buf && r.len + n > r.buf.length)) {
      this.receiving.delete(r);
      return this.refuse(r, 'body_too_large', true);
    }
    if (r.buf) r.buf.set(new Uint8Array(chunk), r.len);
    else {
      // slice() copies into an ArrayBuffer of its own, so a one-chunk body can be transferred as is.
      if (n > 0) r.chunks!.push(Buffer.from(chunk.slice(0)));
      r.reserved += n;
      this.inflight += n;
    }
    r.len += n;
    if (!isLast) return;
    this.receiving.delete(r);
    r.endMs = Date.now();
    this.metrics.bytesReceived.inc(r.len);
    if (r.cl >= 0 && r.len !== r.cl) return this.drop(r, 'short_body');
    const body = r.buf ?? joined(r.chunks!, r.len);
    r.chunks = null;
    r.buf = null;
    this.enqueue(r, body);
  }

  private enqueue(r: Req, body: Buffer): void {
    this.batch.push(r);
    this.bodies.push(body);
    this.batchBytes += body.length;
    if (this.batchBytes >= this.opts.batchBytes) this.flush();
    else if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushQueued = false;
    const reqs = this.batch;
    if (reqs.length === 0) return;
    const bodies = this.bodies;
    this.batch = [];
    this.bodies = [];
    this.batchBytes = 0;
    const b = this.nextBatch++;
    const seq0 = this.seq.next;
    this.seq.next += reqs.length;
    this.outstanding.set(b, reqs);
    this.send({
      b,
      seq0,
      arrivalMs: Float64Array.from(reqs, (r) => r.endMs),
      wireBytes: Float64Array.from(reqs, (r) => r.len),
      encoding: Uint8Array.from(reqs, (r) => r.enc),
      paths: reqs.map((r) => r.path),
      queries: reqs.map((r) => r.query),
      clients: reqs.map((r) => r.client),
      bodies: bodies.map((b) => b.buffer as ArrayBuffer),
    });
  }

  /** A worker finished a batch: answer its refusals now; the rest waits for the commit. */
  batchDone(out: BatchOut): Req[] {
    const reqs = this.outstanding.get(out.b) ?? [];
    this.outstanding.delete(out.b);
    for (let i = 0; i < reqs.length; i++) {
      if (out.status[i] === 0) continue;
      this.refuse(reqs[i]!, REFUSALS[out.reason[i]!] ?? 'bad_encoding', false);
    }
    this.metrics.bytesDecoded.inc(out.decodedBytes);
    if (out.frame) this.metrics.frameSeconds.observe(out.compressSeconds);
    return reqs;
  }

  /** The frames of `group` are durable: every stored request in it gets its 2xx. */
  durable(group: readonly Done<Req[]>[]): void {
    const now = Date.now();
    let stored = 0;
    for (const { out, ctx } of group) {
      for (let i = 0; i < ctx.length; i++) {
        if (out.status[i] !== 0) continue;
        const r = ctx[i]!;
        stored++;
        this.release(r);
        this.metrics.ackSeconds.observe((now - r.endMs) / 1000);
        this.reply(r, 204, '', false);
      }
    }
    this.metrics.stored(stored);
  }

  private refuse(r: Req, why: Refusal, close: boolean): void {
    this.release(r);
    this.metrics.refused(why);
    const status = STATUS_OF[why];
    this.reply(r, status, `${why}\n`, close);
  }

  private drop(r: Req, why: Abort): void {
    this.release(r);
    this.metrics.aborted(why);
    this.reply(r, 400, `${why}\n`, true);
  }

  private release(r: Req): void {
    this.inflight -= r.reserved;
    r.reserved = 0;
  }

  private reply(r: Req, status: number, body: string, close: boolean): void {
    if (r.aborted || r.finished) return;
    r.finished = true;
    r.res.cork(() => r.res.writeStatus(statusLine(status)).end(body, close));
  }

  private onAborted(r: Req): void {
    if (r.finished) return;
    r.aborted = true;
    if (this.receiving.delete(r)) {
      this.release(r);
      this.metrics.aborted('client_abort');
    }
  }

  /** Slow-loris defence: a body that does not complete in time is dropped with its connection. */
  private expire(): void {
    const limit = Date.now() - this.opts.bodyTimeoutMs;
    for (const r of this.receiving) {
      if (r.startMs > limit) continue;
      this.receiving.delete(r);
      this.release(r);
      this.metrics.aborted('body_timeout');
      r.finished = true;
      r.res.close();
    }
  }

  private control(res: HttpResponse, url: string): void {
    const state = guard(res);
    if (url === '/health') return send(res, state, 200, 'ok\n');
    if (url === '/ready') {
      const why = this.gate.notReady();
      return sendJson(
        res,
        state,
        why.length ? 503 : 200,
        why.length ? { ready: false, reasons: why } : { ready: true },
      );
    }
    if (url === '/metrics') {
      sendMetrics(res, state, () => this.metrics.text(), this.metrics.registry.contentType);
      return;
    }
    send(res, state, 404, 'not found\n');
  }
}

/** Chunks as one body that owns its whole ArrayBuffer (bodies are transferred to the workers). */
function joined(chunks: readonly Buffer[], len: number): Buffer {
  if (chunks.length === 1) return chunks[0]!;
  const out = Buffer.allocUnsafeSlow(len);
  let at = 0;
  for (const c of chunks) at += c.copy(out, at);
  return out;
}
