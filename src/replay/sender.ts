// Targets for replay. HTTP keeps each captured request whole (path, query, content-encoding);
// TCP (the proxy's plaintext port) has no request boundaries, so bodies are written back to back
// on one connection, which preserves line order.
import { connect, type Socket } from 'node:net';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { deflateSync, gzipSync } from 'node:zlib';
import type { RequestHeader } from '../lib/capture-format.js';
import { WflgError } from '../lib/errors.js';

export interface SendResult {
  /** HTTP status, or 0 for a transport error. */
  readonly status: number;
}

export interface Sender {
  send(header: RequestHeader, body: Buffer): Promise<SendResult>;
  close(): Promise<void>;
}

export function openSender(
  target: string,
  opts: { maxSockets: number; token?: string | undefined },
): Sender {
  const url = new URL(target);
  if (url.protocol === 'tcp:') return new TcpSender(url.hostname, Number(url.port || 2878));
  if (url.protocol === 'http:' || url.protocol === 'https:') return new HttpSender(url, opts);
  throw new WflgError(
    'WFLG_E_USAGE',
    `--target must be http(s):// or tcp:// (got ${url.protocol})`,
  );
}

class HttpSender implements Sender {
  private readonly agent: Agent;
  private readonly request: typeof httpRequest;

  constructor(
    private readonly base: URL,
    private readonly opts: { maxSockets: number; token?: string | undefined },
  ) {
    const secure = base.protocol === 'https:';
    const A = secure ? HttpsAgent : Agent;
    this.agent = new A({ keepAlive: true, maxSockets: opts.maxSockets });
    this.request = secure ? httpsRequest : httpRequest;
  }

  send(h: RequestHeader, body: Buffer): Promise<SendResult> {
    // The target URL's path wins when it names one; otherwise the captured path and query.
    const path =
      this.base.pathname !== '/'
        ? this.base.pathname + this.base.search
        : h.path + (h.query ? `?${h.query}` : '');
    // Re-encode as captured so the collector sees the same wire shape (sizes differ slightly:
    // compressor settings of the original client are unknown).
    const wire =
      h.encoding === 'gzip' ? gzipSync(body) : h.encoding === 'deflate' ? deflateSync(body) : body;
    const headers: Record<string, string | number> = {
      'content-type': 'text/plain',
      'content-length': wire.length,
    };
    if (h.encoding !== 'identity') headers['content-encoding'] = h.encoding;
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    return new Promise((resolve) => {
      const req = this.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method: 'POST',
          path,
          headers,
          agent: this.agent,
        },
        (res: IncomingMessage) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
          res.on('error', () => resolve({ status: 0 }));
        },
      );
      req.on('error', () => resolve({ status: 0 }));
      req.end(wire);
    });
  }

  close(): Promise<void> {
    this.agent.destroy();
    return Promise.resolve();
  }
}

class TcpSender implements Sender {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: this.host, port: this.port });
      s.setNoDelay(false);
      s.once('connect', () => {
        this.socket = s;
        this.connecting = undefined;
        resolve(s);
      });
      s.once('error', (err) => {
        this.connecting = undefined;
        reject(err);
      });
    });
    return this.connecting;
  }

  async send(_h: RequestHeader, body: Buffer): Promise<SendResult> {
    try {
      const s = await this.open();
      // A body is whole lines; writing it in one call means a reconnect never splits a line.
      const flushed = s.write(body);
      if (!flushed) await new Promise((r) => s.once('drain', r));
      return { status: 200 };
    } catch {
      this.socket?.destroy();
      this.socket = undefined;
      return { status: 0 };
    }
  }

  close(): Promise<void> {
    const s = this.socket;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => s.end(resolve));
  }
}
