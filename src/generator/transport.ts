// Where rendered lines go. Every transport is bounded: `blocked()` turns true once its queue (socket
// buffer, requests in flight) is full, and the worker then stops drawing from the plan, so late
// work is measured and, past the lateness limit, dropped and counted, never queued without end.
//  - tcp://host:port   plaintext like the proxy's port 2878: a pool of connections, whole buffers
//    of whole lines per write (so a reconnect never starts mid-line), reconnect with capped backoff.
//  - http(s)://host:port/path   batched POSTs (f=wavefront|histogram|trace), gzip by share,
//    bearer token, a keep-alive agent with a fixed number of sockets.
//  - file://path   the bytes, in order, for dry runs and determinism checks.
import { closeSync, openSync, writeSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export type ConnState = 'connecting' | 'up' | 'down';

export interface TransportStats {
  bytes: number;
  /** Bytes handed to a socket that died before they were known to be written. */
  lostBytes: number;
  requests: number;
  httpErrors: number;
  reconnects: number;
  /** Lines of requests that failed (non-2xx or network error). */
  failedLines: number;
}

export interface Transport {
  readonly stats: TransportStats;
  /** False when nothing can be sent right now (down): the caller counts the lines as dropped. */
  ready(): boolean;
  blocked(): boolean;
  /** Sends whole lines; `format` picks `f=` on HTTP. */
  send(bytes: Buffer, lines: number, format: string, gzip: boolean): void;
  state(): ConnState;
  /** Resolves once what was handed over has been written (or failed). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const HIGH_WATER = 4 << 20;

function newStats(): TransportStats {
  return { bytes: 0, lostBytes: 0, requests: 0, httpErrors: 0, reconnects: 0, failedLines: 0 };
}

class TcpConn {
  socket: Socket | undefined;
  state: ConnState = 'connecting';
  private backoffMs = 100;
  private closed = false;
  everUp = false;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly stats: TransportStats,
  ) {
    this.open();
  }

  private open(): void {
    const s = connect({ host: this.host, port: this.port, noDelay: false });
    this.socket = s;
    this.state = 'connecting';
    s.on('connect', () => {
      this.state = 'up';
      this.everUp = true;
      this.backoffMs = 100;
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      if (this.state === 'up') this.stats.lostBytes += s.writableLength;
      this.state = 'down';
      this.socket = undefined;
      if (this.closed) return;
      // Capped exponential backoff; what was planned meanwhile is dropped by the caller, not
      // queued, so the collector does not get a catch-up burst when it comes back.
      setTimeout(() => {
        if (this.closed) return;
        this.stats.reconnects++;
        this.open();
      }, this.backoffMs).unref();
      this.backoffMs = Math.min(5000, this.backoffMs * 2);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    const s = this.socket;
    if (!s || this.state !== 'up') {
      s?.destroy();
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      s.once('close', () => resolve());
      s.end();
      setTimeout(() => s.destroy(), 5000).unref();
    });
  }
}

class TcpTransport implements Transport {
  readonly stats = newStats();
  private readonly conns: TcpConn[];
  private next = 0;

  constructor(url: URL, connections: number) {
    const port = Number(url.port || 2878);
    this.conns = Array.from(
      { length: Math.max(1, connections) },
      () => new TcpConn(url.hostname, port, this.stats),
    );
  }

  private pick(): TcpConn | undefined {
    for (let i = 0; i < this.conns.length; i++) {
      const c = this.conns[(this.next + i) % this.conns.length]!;
      if (c.state === 'up') {
        this.next = (this.next + i + 1) % this.conns.length;
        return c;
      }
    }
    return undefined;
  }

  ready(): boolean {
    return this.conns.some((c) => c.state === 'up');
  }

  /** Full, not down: with no connection up the caller drops (counted) instead of waiting, so
   * a collector coming back gets the plan's rate, not a catch-up burst. */
  blocked(): boolean {
    let up = 0;
    for (const c of this.conns) {
      // The first connect is waited for (its slots are late, then dropped past maxLateMs).
      if (!c.everUp && c.state === 'connecting') return true;
      if (c.state !== 'up') continue;
      up++;
      if (c.socket!.writableLength <= HIGH_WATER) return false;
    }
    return up > 0;
  }

  send(bytes: Buffer): void {
    const c = this.pick();
    if (!c) {
      this.stats.lostBytes += bytes.length;
      return;
    }
    c.socket!.write(bytes);
    this.stats.bytes += bytes.length;
  }

  state(): ConnState {
    if (this.conns.some((c) => c.state === 'up')) return 'up';
    return this.conns.some((c) => c.state === 'connecting') ? 'connecting' : 'down';
  }

  async drain(): Promise<void> {
    for (const c of this.conns) {
      const s = c.socket;
      if (s && s.writableLength > 0)
        await new Promise<void>((r) => {
          s.once('drain', r);
          s.once('close', r);
        });
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.conns.map((c) => c.close()));
  }
}

class HttpTransport implements Transport {
  readonly stats = newStats();
  private inflight = 0;
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;
  private lastOk = true;
  private waiters: Array<() => void> = [];
  /** The target URL with `f=` set, per format: built once, not per request. */
  private readonly urls = new Map<string, URL>();

  constructor(
    private readonly url: URL,
    private readonly token: string | undefined,
    private readonly maxInflight: number,
  ) {
    const https = url.protocol === 'https:';
    this.agent = https
      ? new HttpsAgent({ keepAlive: true, maxSockets: maxInflight })
      : new HttpAgent({ keepAlive: true, maxSockets: maxInflight });
    this.request = https ? httpsRequest : httpRequest;
  }

  ready(): boolean {
    return true;
  }

  blocked(): boolean {
    return this.inflight >= this.maxInflight;
  }

  state(): ConnState {
    return this.lastOk ? 'up' : 'down';
  }

  send(bytes: Buffer, lines: number, format: string, gzip: boolean): void {
    const body = gzip ? gzipSync(bytes, { level: 4 }) : bytes;
    let u = this.urls.get(format);
    if (!u) {
      u = new URL(this.url);
      u.searchParams.set('f', format);
      this.urls.set(format, u);
    }
    const headers: Record<string, string | number> = {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
    };
    if (gzip) headers['content-encoding'] = 'gzip';
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    this.inflight++;
    this.stats.requests++;
    this.stats.bytes += body.length;
    let settled = false;
    const done = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      this.inflight--;
      this.lastOk = ok;
      if (!ok) {
        this.stats.httpErrors++;
        this.stats.failedLines += lines;
      }
      if (this.inflight === 0) for (const w of this.waiters.splice(0)) w();
    };
    const req = this.request(u, { method: 'POST', agent: this.agent, headers }, (res) => {
      res.resume();
      res.on('end', () => done((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300));
      res.on('error', () => done(false));
    });
    req.setTimeout(10_000, () => req.destroy());
    req.on('error', () => done(false));
    req.end(body);
  }

  drain(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  async close(): Promise<void> {
    await this.drain();
    this.agent.destroy();
  }
}

class FileTransport implements Transport {
  readonly stats = newStats();
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  ready(): boolean {
    return true;
  }
  blocked(): boolean {
    return false;
  }
  state(): ConnState {
    return 'up';
  }
  send(bytes: Buffer): void {
    for (let at = 0; at < bytes.length;) at += writeSync(this.fd, bytes, at);
    this.stats.bytes += bytes.length;
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    closeSync(this.fd);
    return Promise.resolve();
  }
}

export function openTransport(
  target: string,
  opts: { shard: number; shards: number; connections: number; token?: string | undefined },
): Transport {
  const url = new URL(target);
  switch (url.protocol) {
    case 'tcp:':
      return new TcpTransport(url, opts.connections);
    case 'http:':
    case 'https:':
      return new HttpTransport(url, opts.token, Math.max(1, opts.connections) * 4);
    default: {
      // One file per worker when sharded, so each stream stays byte-for-byte deterministic.
      const path = fileURLToPath(url);
      return new FileTransport(opts.shards > 1 ? `${path}.${opts.shard}` : path);
    }
  }
}
