// Resumable upload sessions of the strict fake GCS, with the rules real GCS enforces and
// fake-gcs-server does not: a chunk must start exactly where the session's persisted bytes end
// (fake-gcs-server appends blindly, so a re-sent chunk duplicates data), every chunk but the last
// is a multiple of 256 KiB, the total never changes, and the status query `bytes */N` only reports
// (308 + Range) unless all N bytes are already there. fake-gcs-server treats `bytes */*` and
// `bytes */N` as "commit now", finalizing a half-sent object (its issues #1362 and #2354), which is
// why crash-resume is tested against this fake and not against it. Session bytes live in files.
import { randomBytes } from 'node:crypto';
import { appendFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Fault } from './gcs-faults.js';

export const QUANTUM = 256 * 1024;
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface Session {
  readonly id: string;
  readonly bucket: string;
  readonly name: string;
  readonly declaredCrc32c: string | undefined;
  readonly ifGenerationMatch: string | undefined;
  readonly contentType: string;
  readonly metadata: Record<string, string>;
  readonly createdAt: number;
  readonly path: string;
  total: number | undefined;
  persisted: number;
  /** Set once finalized: later requests on the session return the object again. */
  finalized: Record<string, unknown> | undefined;
  /** Set when finalize failed (checksum, precondition): the session accepts nothing more. */
  dead: boolean;
  /** Serialises the session's requests. */
  queue: Promise<unknown>;
}

export type ChunkResult =
  | { kind: 'error'; status: number; message: string }
  | { kind: 'partial'; persisted: number }
  | { kind: 'complete' }
  | { kind: 'cut' };

type ContentRange =
  | { query: true; total: number | undefined }
  | { query: false; first: number; last: number; total: number | undefined };

export function parseContentRange(text: string | undefined): ContentRange | undefined {
  if (text === undefined) return undefined;
  let m = /^bytes \*\/(\d+|\*)$/.exec(text);
  if (m) return { query: true, total: m[1] === '*' ? undefined : Number(m[1]) };
  m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(text);
  if (!m) return undefined;
  return {
    query: false,
    first: Number(m[1]),
    last: Number(m[2]),
    total: m[3] === '*' ? undefined : Number(m[3]),
  };
}

export function rangeHeader(s: Session): Record<string, string> {
  return s.persisted > 0 ? { range: `bytes=0-${s.persisted - 1}` } : {};
}

export class Sessions {
  readonly #byId = new Map<string, Session>();

  constructor(
    private readonly dir: string,
    private readonly now: () => number,
  ) {}

  async create(
    init: Omit<Session, 'id' | 'createdAt' | 'path' | 'persisted' | 'finalized' | 'dead' | 'queue'>,
  ): Promise<Session> {
    const id = randomBytes(12).toString('hex');
    const s: Session = {
      ...init,
      id,
      createdAt: this.now(),
      path: join(this.dir, `session-${id}`),
      persisted: 0,
      finalized: undefined,
      dead: false,
      queue: Promise.resolve(),
    };
    await writeFile(s.path, '');
    this.#byId.set(id, s);
    return s;
  }

  /** A live session, or undefined for unknown and expired ones (GCS answers 404). */
  get(id: string | null): Session | undefined {
    const s = id ? this.#byId.get(id) : undefined;
    if (!s || this.now() - s.createdAt > SESSION_TTL_MS) return undefined;
    return s;
  }

  async forget(id: string): Promise<void> {
    const s = this.#byId.get(id);
    this.#byId.delete(id);
    if (s) await rm(s.path, { force: true });
  }

  async forgetAll(): Promise<void> {
    for (const id of [...this.#byId.keys()]) await this.forget(id);
  }

  content(s: Session): Promise<Buffer> {
    return readFile(s.path);
  }

  /**
   * Validates and stores one chunk. Reads the body itself so a broken-stream fault can cut it
   * after a number of bytes and keep what arrived, as GCS keeps what it persisted.
   */
  async chunk(
    s: Session,
    req: IncomingMessage,
    cr: ContentRange & { query: false },
    fault: Fault | undefined,
    maxBody: number,
  ): Promise<ChunkResult> {
    const cut = fault?.kind === 'broken-stream' ? fault.bytes : undefined;
    const body = await readBody(req, maxBody, cut);
    if (body === 'too-large') return { kind: 'error', status: 413, message: 'chunk too large' };
    if (cut !== undefined && body.length >= cut) {
      // Keep whole 256 KiB units of a correctly placed chunk, as GCS does with a dropped stream.
      if (cr.first === s.persisted)
        await this.#append(s, body.subarray(0, Math.floor(body.length / QUANTUM) * QUANTUM));
      return { kind: 'cut' };
    }
    const len = cr.last - cr.first + 1;
    if (cr.last < cr.first || body.length !== len)
      return {
        kind: 'error',
        status: 400,
        message: `Content-Range covers ${len} bytes, body has ${body.length}`,
      };
    if (cr.total !== undefined && cr.last >= cr.total)
      return { kind: 'error', status: 400, message: `range ends past the total ${cr.total}` };
    if (cr.total !== undefined && s.total !== undefined && cr.total !== s.total)
      return {
        kind: 'error',
        status: 400,
        message: `total changed from ${s.total} to ${cr.total}`,
      };
    if (cr.first !== s.persisted)
      return {
        kind: 'error',
        status: 400,
        message: `chunk starts at ${cr.first}, session holds ${s.persisted} bytes`,
      };
    const last = cr.total !== undefined && cr.last + 1 === cr.total;
    if (!last && len % QUANTUM !== 0)
      return {
        kind: 'error',
        status: 400,
        message: `non-final chunk of ${len} bytes is not a multiple of 256 KiB`,
      };
    if (cr.total !== undefined) s.total = cr.total;
    if (fault?.kind === 'persist-partial' && fault.bytes < len) {
      await this.#append(s, body.subarray(0, Math.floor(fault.bytes / QUANTUM) * QUANTUM));
      return { kind: 'partial', persisted: s.persisted };
    }
    await this.#append(s, body);
    return last ? { kind: 'complete' } : { kind: 'partial', persisted: s.persisted };
  }

  async #append(s: Session, data: Buffer): Promise<void> {
    if (data.length === 0) return;
    await appendFile(s.path, data);
    s.persisted += data.length;
  }
}

/** The whole body, or 'too-large'; with `cutAfter`, stops reading and destroys the socket there. */
export function readBody(
  req: IncomingMessage,
  max: number,
  cutAfter?: number,
): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      if (cutAfter !== undefined && n + c.length >= cutAfter) {
        parts.push(c.subarray(0, cutAfter - n));
        n = cutAfter;
        done = true;
        req.socket.destroy();
        resolve(Buffer.concat(parts));
        return;
      }
      n += c.length;
      if (n > max) {
        done = true;
        resolve('too-large');
        return;
      }
      parts.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(parts));
    });
    req.on('error', (e) => {
      if (!done) reject(e);
    });
  });
}
