// `wflg sink`: a counting collector double. HTTP (uWS) serves `/report` like the proxy's push
// port (any path, `f=` picks the format, gzip/deflate bodies, 202 whatever the lines hold) plus
// the control endpoints; a second, plaintext TCP port frames lines like port 2878. Everything
// received is counted per kind, WF code and family with the native parser, and optionally teed
// to a capture part.
import { inflateSync, gunzipSync } from 'node:zlib';
import type { HttpResponse, HttpRequest } from 'uWebSockets.js';
import type { HostPort } from '../lib/config.js';
import {
  authorized,
  guard,
  listen,
  readBody,
  readJson,
  send,
  sendJson,
  sendMetrics,
  type Listening,
} from '../lib/http.js';
import { loadUws } from '../lib/uws.js';
import { formatOfParam } from '../lib/wavefront.js';
import type { ContentEncoding } from '../lib/capture-format.js';
import { Counts, LineCounter, MAX_LINE_BYTES } from './counter.js';
import { sinkMetrics } from './metrics.js';
import { statsOf } from './stats.js';
import { listenTcp, type TcpSink } from './tcp.js';
import { Tee } from './tee.js';

/** The proxy's `pushListenerHttpBufferSize`: larger requests get 413. */
export const MAX_BODY_BYTES = 16 << 20;
/** Cap on a decoded body (a gzip bomb must not take the process down). */
const MAX_DECODED_BYTES = 256 << 20;
const HISTORY_SECONDS = 300;

export interface SinkOptions {
  listen: HostPort;
  tcp: HostPort;
  /** Bearer token required on /report (direct-ingestion double); undefined: none. */
  token?: string | undefined;
  tee?: string | undefined;
  maxFamilies?: number;
  /** Fault injection: delay every /report answer by this long. */
  responseDelayMs?: number;
  /** Fault injection: answer /report with this status instead of 202 (lines are not counted). */
  failStatus?: number;
  /** Fault injection: plaintext reads limited to this many bytes per second. */
  readBytesPerSecond?: number;
}

export class Sink {
  readonly counts: Counts;
  private readonly counter: LineCounter;
  private readonly tcpCounter: LineCounter;
  private tee: Tee | undefined;
  private http: Listening | undefined;
  private tcp: TcpSink | undefined;
  readonly history: Array<{ t: number; lines: number; bytes: number }> = [];
  private historyTimer: NodeJS.Timeout | undefined;
  private readonly startedMs = Date.now();
  responseDelayMs: number;
  failStatus: number;

  constructor(private readonly opts: SinkOptions) {
    this.counts = new Counts(opts.maxFamilies);
    this.counter = new LineCounter(this.counts);
    this.tcpCounter = new LineCounter(this.counts, MAX_LINE_BYTES);
    this.responseDelayMs = opts.responseDelayMs ?? 0;
    this.failStatus = opts.failStatus ?? 0;
  }

  get httpPort(): number {
    return this.http?.port ?? 0;
  }
  get tcpPort(): number {
    return this.tcp?.port ?? 0;
  }

  async start(): Promise<void> {
    const tee = this.opts.tee ? new Tee(this.opts.tee) : undefined;
    this.tee = tee;
    const metrics = sinkMetrics(this.counts, () => this.tcp?.connections() ?? 0);
    const app = loadUws().App();
    app.get('/health', (res) => void res.end('ok\n'));
    app.get('/ready', (res) => void res.end('ready\n'));
    app.get('/metrics', (res) =>
      sendMetrics(res, guard(res), () => metrics.registry.metrics(), metrics.registry.contentType),
    );
    app.get('/v1/stats', (res, req) => {
      const limit = Number(req.getQuery('families') ?? '1000');
      const st = guard(res);
      sendJson(res, st, 200, this.stats(Number.isFinite(limit) ? limit : 1000));
    });
    app.post('/v1/reset', (res) => {
      const st = guard(res);
      this.reset();
      sendJson(res, st, 200, { reset: true });
    });
    app.put('/v1/fault', (res) => void this.fault(res));
    const report = (res: HttpResponse, req: HttpRequest) => void this.report(res, req);
    app.post('/*', report);
    app.put('/*', report);
    app.any('/*', (res) => send(res, guard(res), 404, 'not found\n'));
    this.http = await listen(app, this.opts.listen);
    const onBytes = (n: number) => (this.counts.bytes += n);
    this.tcp = await listenTcp(
      this.opts.tcp,
      this.tcpCounter,
      {
        ...(tee
          ? {
              onLines: (body, wireBytes) =>
                tee.write({
                  body,
                  wireBytes,
                  encoding: 'identity',
                  path: 'tcp',
                  query: '',
                  client: 'tcp',
                }),
            }
          : {}),
        readBytesPerSecond: this.opts.readBytesPerSecond ?? 0,
      },
      onBytes,
    );
    this.tick();
  }

  private tick(): void {
    const now = Date.now();
    this.history.push({
      t: Math.floor(now / 1000) * 1000,
      lines: this.counts.lines,
      bytes: this.counts.bytes,
    });
    if (this.history.length > HISTORY_SECONDS) this.history.shift();
    this.historyTimer = setTimeout(() => this.tick(), 1000 - (now % 1000));
    this.historyTimer.unref();
  }

  private async report(res: HttpResponse, req: HttpRequest): Promise<void> {
    // uWS: every header and the URL must be read before the first await.
    const st = guard(res);
    const ok = authorized(req, this.opts.token);
    const encodingHeader = req.getHeader('content-encoding').toLowerCase();
    const f = req.getQuery('f') ?? req.getQuery('format') ?? '';
    // Where a request came from matters only to the tee.
    const tee = this.tee;
    const origin = tee && {
      path: req.getUrl(),
      query: req.getQuery() ?? '',
      client: Buffer.from(res.getRemoteAddressAsText()).toString(),
    };
    const body = await readBody(res, st, MAX_BODY_BYTES);
    if (body === undefined) return;
    this.counts.requests++;
    this.counts.bytes += body.length;
    if (!ok) return send(res, st, 401, 'unauthorized\n');
    if (this.failStatus) return this.answer(res, st, this.failStatus);
    let decoded = body;
    let encoding: ContentEncoding = 'identity';
    try {
      if (encodingHeader === 'gzip') {
        encoding = 'gzip';
        decoded = gunzipSync(body, { maxOutputLength: MAX_DECODED_BYTES });
      } else if (encodingHeader === 'deflate') {
        encoding = 'deflate';
        decoded = inflateSync(body, { maxOutputLength: MAX_DECODED_BYTES });
      } else if (encodingHeader !== '' && encodingHeader !== 'identity')
        return send(res, st, 415, `unsupported content-encoding ${encodingHeader}\n`);
    } catch {
      return send(res, st, 400, 'Decompression error\n');
    }
    this.counter.count(decoded, formatOfParam(f));
    if (origin) tee.write({ body: decoded, wireBytes: body.length, encoding, ...origin });
    this.answer(res, st, 202);
  }

  private answer(res: HttpResponse, st: ReturnType<typeof guard>, status: number): void {
    if (this.responseDelayMs > 0)
      setTimeout(() => send(res, st, status, ''), this.responseDelayMs).unref();
    else send(res, st, status, '');
  }

  private async fault(res: HttpResponse): Promise<void> {
    const st = guard(res);
    const body = await readJson(res, st);
    if (body === undefined) return;
    const problems: string[] = [];
    const b = body as Record<string, unknown>;
    if (typeof b !== 'object' || b === null) problems.push('body must be an object');
    else
      for (const k of Object.keys(b)) {
        const v = b[k];
        if (k === 'responseDelayMs' || k === 'failStatus') {
          if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 600000)
            problems.push(`${k} must be a whole number 0..600000`);
        } else problems.push(`unknown key '${k}'`);
      }
    if (problems.length) return sendJson(res, st, 400, { error: 'WFLG_E_USAGE', problems });
    if (typeof b.responseDelayMs === 'number') this.responseDelayMs = b.responseDelayMs;
    if (typeof b.failStatus === 'number') this.failStatus = b.failStatus;
    sendJson(res, st, 200, { responseDelayMs: this.responseDelayMs, failStatus: this.failStatus });
  }

  stats(families = 1000): ReturnType<typeof statsOf> {
    return statsOf(this.counts, this.history, this.startedMs, families, {
      tcpConnections: this.tcp?.connections() ?? 0,
      tee: this.tee
        ? { path: this.tee.path, records: this.tee.records, frames: this.tee.framesWritten }
        : null,
    });
  }

  reset(): void {
    const c = this.counts;
    c.lines = c.bytes = c.rejected = c.requests = c.lostBytes = 0;
    c.byKind.fill(0);
    c.rejectedByKind.fill(0);
    c.byCode.clear();
    c.families.clear();
    c.otherFamilies = { ...c.otherFamilies, lines: 0, bytes: 0, rejected: 0 };
    this.history.length = 0;
  }

  /** Flushes the tee without closing (tests read it while the sink runs). */
  flushTee(): void {
    this.tee?.flush();
  }

  async close(): Promise<void> {
    clearTimeout(this.historyTimer);
    this.http?.close();
    await this.tcp?.close();
    this.tee?.close();
  }
}
