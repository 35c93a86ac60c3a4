// Writes what the sink receives as a capture part (docs/formats/capture.md): request records
// (`#wflg1` header + decoded body) grouped into checksummed zstd frames. The profiler reads the
// result exactly as it reads the capture agent's parts, which is what the fidelity loop needs.
// Bounded: records collect in one buffer that is compressed and written synchronously once it
// passes FLUSH_BYTES (and at least once a second), so a tee never queues more than that.
import { closeSync, openSync, writeSync } from 'node:fs';
import {
  bodyLayout,
  clientHash,
  encodeHeader,
  type ContentEncoding,
} from '../lib/capture-format.js';
import { WflgError } from '../lib/errors.js';
import { native, type NativeFrameEncoder } from '../lib/native.js';

const FLUSH_BYTES = 4 << 20;

export interface TeeRecord {
  wireBytes: number;
  encoding: ContentEncoding;
  body: Buffer;
  path: string;
  query: string;
  /** The client's address; only a salted hash of it is stored. */
  client: string;
}

export class Tee {
  private readonly fd: number;
  private readonly encoder: NativeFrameEncoder;
  private parts: Buffer[] = [];
  private size = 0;
  private seq = 0;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  framesWritten = 0;
  bytesWritten = 0;
  records = 0;

  constructor(
    readonly path: string,
    private readonly salt = 'wflg-sink',
    level = 3,
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (err) {
      throw new WflgError('WFLG_E_USAGE', `cannot open tee file ${path}`, { path }, { cause: err });
    }
    this.encoder = new (native().FrameEncoder)(level);
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  write(r: TeeRecord): void {
    if (this.closed) return;
    const body = r.body;
    const { storedBytes, lines, needsNewline: needsNl } = bodyLayout(body);
    const header = encodeHeader({
      arrivalMs: Date.now(),
      wireBytes: r.wireBytes,
      encoding: r.encoding,
      storedBytes,
      lines,
      path: r.path,
      query: r.query,
      client: clientHash(this.salt, r.client),
      mirrorFraction: 1,
      seq: this.seq++,
    });
    // Copied: HTTP bodies and TCP reads are views into buffers the caller reuses or drops.
    this.parts.push(Buffer.from(header, 'latin1'), Buffer.from(body));
    this.size += header.length + body.length;
    if (needsNl) {
      this.parts.push(Buffer.from('\n'));
      this.size++;
    }
    this.records++;
    if (this.size >= FLUSH_BYTES) this.flush();
  }

  flush(): void {
    if (this.size === 0) return;
    const payload = Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    const frame = this.encoder.encode(payload);
    for (let at = 0; at < frame.length;) at += writeSync(this.fd, frame, at);
    this.framesWritten++;
    this.bytesWritten += frame.length;
  }

  close(): void {
    if (this.closed) return;
    clearInterval(this.timer);
    this.flush();
    this.closed = true;
    closeSync(this.fd);
  }
}
