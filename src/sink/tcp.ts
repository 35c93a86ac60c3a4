// The sink's plaintext port, framed as the proxy frames it (research note §1.1–1.2): the first two
// bytes pick the protocol (an HTTP-looking stream is lost whole), lines end at '\n', a line over
// 32768 bytes is dropped, bytes after the last newline are dropped at disconnect. Memory per
// connection is bounded by the line limit: a partial line is the only thing carried between reads.
import { createServer, type Server, type Socket } from 'node:net';
import { createGunzip, type Gunzip } from 'node:zlib';
import type { HostPort } from '../lib/config.js';
import { WflgError } from '../lib/errors.js';
import { mistakenForHttp } from '../lib/tcp-framing.js';
import { MAX_LINE_BYTES, type LineCounter } from './counter.js';

export interface TcpSinkOptions {
  /** Called with every newline-terminated run of lines that was counted (for the tee). */
  onLines?: (lines: Buffer, wireBytes: number) => void;
  /** Reads are paused so that at most this many bytes per second are taken in (0 = unlimited). */
  readBytesPerSecond?: number;
}

const HTTP_REFUSAL = Buffer.from(
  'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-type: text/plain\r\ncontent-length: 54\r\n\r\n' +
    'this is the plaintext port; send HTTP to the HTTP port\n',
);

class Connection {
  private carry: Buffer | undefined;
  /** True while skipping the rest of an over-long line. */
  private discarding = false;
  private sniffed = false;
  private head: Buffer | undefined;
  private gunzip: Gunzip | undefined;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly counter: LineCounter,
    private readonly opts: TcpSinkOptions,
    private readonly onBytes: (n: number) => void,
  ) {}

  data(chunk: Buffer): void {
    this.onBytes(chunk.length);
    if (this.gunzip) {
      this.gunzip.write(chunk);
      return;
    }
    if (!this.sniffed) {
      // Fewer than two bytes decide nothing; the proxy waits for more.
      const head = this.head ? Buffer.concat([this.head, chunk]) : chunk;
      if (head.length < 2) {
        this.head = Buffer.from(head);
        return;
      }
      this.head = undefined;
      this.sniffed = true;
      if (head[0] === 0x1f && head[1] === 0x8b) {
        this.startGunzip(head);
        return;
      }
      if (mistakenForHttp(head)) {
        this.counter.counts.reject('http_on_tcp');
        this.counter.counts.lostBytes += head.length;
        this.socket.end(HTTP_REFUSAL);
        this.socket.removeAllListeners('data');
        this.socket.on('data', (c: Buffer) => (this.counter.counts.lostBytes += c.length));
        return;
      }
      chunk = head;
    }
    this.lines(chunk);
  }

  private startGunzip(head: Buffer): void {
    const gz = createGunzip();
    this.gunzip = gz;
    gz.on('data', (c: Buffer) => this.lines(c));
    gz.on('error', () => {
      // A broken gzip stream ends the connection; what was inflated before it was counted.
      this.counter.counts.reject('unterminated');
      this.socket.destroy();
    });
    gz.write(head);
  }

  private lines(chunk: Buffer): void {
    let at = 0;
    if (this.discarding || this.carry) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        if (!this.discarding) this.append(chunk);
        return;
      }
      if (this.discarding) this.discarding = false;
      else {
        const line = Buffer.concat([this.carry!, chunk.subarray(0, nl + 1)]);
        this.carry = undefined;
        if (line.length - 1 > MAX_LINE_BYTES) this.counter.counts.reject('line_too_long');
        else this.emit(line);
      }
      at = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= at) {
      this.emit(chunk.subarray(at, last + 1));
      at = last + 1;
    }
    if (at < chunk.length) this.append(chunk.subarray(at));
  }

  private append(part: Buffer): void {
    const size = (this.carry?.length ?? 0) + part.length;
    if (size > MAX_LINE_BYTES + 1) {
      // Counted once now; the rest of this line is skipped without being buffered.
      this.carry = undefined;
      this.discarding = true;
      this.counter.counts.reject('line_too_long');
      return;
    }
    // Copied: the carry outlives this read's buffer.
    this.carry = this.carry ? Buffer.concat([this.carry, part]) : Buffer.from(part);
  }

  private emit(lines: Buffer): void {
    this.counter.count(lines, 'auto');
    this.opts.onLines?.(lines, lines.length);
  }

  /** The stream is over ('end', then 'close', or 'close' alone): whatever is left is lost, once. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    const gz = this.gunzip;
    if (gz) {
      // Inflating is asynchronous: the tail is known only once the inflater has flushed.
      this.gunzip = undefined;
      gz.once('end', () => this.dropTail());
      gz.end();
    } else this.dropTail();
  }

  private dropTail(): void {
    const c = this.counter.counts;
    if (this.carry && this.carry.length > 0) {
      c.lostBytes += this.carry.length;
      c.reject('unterminated');
    }
    if (this.head) c.lostBytes += this.head.length;
    this.carry = undefined;
    this.head = undefined;
  }
}

export interface TcpSink {
  readonly port: number;
  readonly connections: () => number;
  close(): Promise<void>;
}

export function listenTcp(
  at: HostPort,
  counter: LineCounter,
  opts: TcpSinkOptions,
  onBytes: (n: number) => void,
): Promise<TcpSink> {
  const sockets = new Set<Socket>();
  const limit = opts.readBytesPerSecond ?? 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const conn = new Connection(socket, counter, opts, onBytes);
    let windowStart = Date.now();
    let windowBytes = 0;
    socket.on('data', (chunk: Buffer) => {
      conn.data(chunk);
      if (limit <= 0) return;
      // A slow collector: stop reading until this second's budget is earned back, so the
      // sender's socket buffer fills and its writes stall, as they would against a real one.
      windowBytes += chunk.length;
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        windowBytes = chunk.length;
      }
      const aheadMs = (windowBytes / limit) * 1000 - (now - windowStart);
      if (aheadMs > 0) {
        socket.pause();
        setTimeout(() => socket.resume(), Math.min(aheadMs, 1000)).unref();
      }
    });
    socket.on('end', () => {
      conn.end();
      socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.end();
      sockets.delete(socket);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new WflgError(
          'WFLG_E_USAGE',
          `cannot listen on ${at.host}:${at.port}`,
          { ...at },
          {
            cause: err,
          },
        ),
      ),
    );
    server.listen(at.port, at.host, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr ? addr.port : at.port;
      resolve({
        port,
        connections: () => sockets.size,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
