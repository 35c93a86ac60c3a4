// Request records inside capture-part frames (docs/formats/capture.md): one `#wflg1` header line,
// then exactly `d` bytes of body. Written by the capture agent and the sink's tee; read by the
// profiler, replay and compare. Readers skip bodies by byte count, never by looking for the next
// '#', so a client line that happens to start with '#' stays part of its body.
import { createHash } from 'node:crypto';
import { WflgError } from './errors.js';

export const HEADER_PREFIX = '#wflg1 ';
const PREFIX_BYTES = Buffer.from(HEADER_PREFIX, 'latin1');
/** A header line longer than this is damage, not a header (paths and queries are capped below it). */
export const MAX_HEADER_BYTES = 8192;

export const ENCODINGS = ['identity', 'gzip', 'deflate'] as const;
export type ContentEncoding = (typeof ENCODINGS)[number];

export interface RequestHeader {
  /** Arrival time of the request's last body byte, Unix ms. */
  readonly arrivalMs: number;
  /** Body size on the wire (before content decoding). */
  readonly wireBytes: number;
  readonly encoding: ContentEncoding;
  /** Bytes of body that follow the header line in the part (decoded, newline-terminated). */
  readonly storedBytes: number;
  readonly lines: number;
  readonly path: string;
  /** Query string without '?', e.g. `f=wavefront`. */
  readonly query: string;
  /** Salted client-identity hash, 16 lowercase hex digits. */
  readonly client: string;
  /** capture.enabled in force when the request arrived, as a fraction 0..1. */
  readonly mirrorFraction: number;
  /** Writer-local request sequence number. */
  readonly seq: number;
}

// Everything outside this set is percent-encoded, so a value never holds a space, '=' or newline.
const SAFE = /[^A-Za-z0-9._~/-]/g;
const esc = (s: string): string =>
  s.replace(SAFE, (c) =>
    Array.from(
      Buffer.from(c, 'utf8'),
      (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    ).join(''),
  );

/**
 * How a received body is laid out in a record: a body not ending in a newline gets one appended
 * (counted in `storedBytes` and `lines`), so the next header starts a line.
 */
export function bodyLayout(body: Uint8Array): {
  readonly storedBytes: number;
  readonly lines: number;
  readonly needsNewline: boolean;
} {
  const needsNewline = body.length > 0 && body[body.length - 1] !== 10;
  let lines = needsNewline ? 1 : 0;
  for (let i = body.indexOf(10); i >= 0; i = body.indexOf(10, i + 1)) lines++;
  return { storedBytes: body.length + (needsNewline ? 1 : 0), lines, needsNewline };
}

/** The header's `c`: a salted hash of the client identity, so addresses never reach a part. */
export function clientHash(salt: string, client: string): string {
  return createHash('sha256').update(salt).update(client).digest('hex').slice(0, 16);
}

export function encodeHeader(h: RequestHeader): string {
  return (
    `${HEADER_PREFIX}t=${h.arrivalMs} b=${h.wireBytes} e=${h.encoding} d=${h.storedBytes} n=${h.lines}` +
    ` p=${esc(h.path)} q=${esc(h.query)} c=${h.client} m=${h.mirrorFraction} r=${h.seq}\n`
  );
}

function bad(reason: string, offset: number): WflgError {
  return new WflgError(
    'WFLG_E_CAPTURE_RECORD',
    `capture record at content offset ${offset}: ${reason}`,
    {
      offset,
      reason,
    },
  );
}

const INT = /^\d{1,15}$/;

/** Parses one header line (without its newline). Unknown keys are ignored (forward compatibility). */
export function parseHeader(line: string, offset = 0): RequestHeader {
  if (!line.startsWith(HEADER_PREFIX)) throw bad('missing #wflg1 header', offset);
  const f = new Map<string, string>();
  for (const field of line.slice(HEADER_PREFIX.length).split(' ')) {
    const eq = field.indexOf('=');
    if (eq <= 0) throw bad(`malformed field '${field.slice(0, 40)}'`, offset);
    f.set(field.slice(0, eq), field.slice(eq + 1));
  }
  const int = (k: string): number => {
    const v = f.get(k);
    if (v === undefined || !INT.test(v)) throw bad(`field ${k} must be a whole number`, offset);
    return Number(v);
  };
  const text = (k: string): string => {
    const v = f.get(k);
    if (v === undefined) throw bad(`field ${k} missing`, offset);
    try {
      return decodeURIComponent(v);
    } catch {
      throw bad(`field ${k} is not valid percent-encoding`, offset);
    }
  };
  const encoding = f.get('e') as ContentEncoding;
  if (!ENCODINGS.includes(encoding))
    throw bad(`field e must be one of ${ENCODINGS.join('|')}`, offset);
  const client = f.get('c') ?? '';
  if (!/^[0-9a-f]{16}$/.test(client)) throw bad('field c must be 16 lowercase hex digits', offset);
  const m = Number(f.get('m'));
  if (!(m >= 0 && m <= 1)) throw bad('field m must be a fraction in 0..1', offset);
  return {
    arrivalMs: int('t'),
    wireBytes: int('b'),
    encoding,
    storedBytes: int('d'),
    lines: int('n'),
    path: text('p'),
    query: text('q'),
    client,
    mirrorFraction: m,
    seq: int('r'),
  };
}

export interface CaptureRecord {
  readonly header: RequestHeader;
  /** A view into the frame content; copy it if it must outlive that buffer. */
  readonly body: Buffer;
}

/**
 * Walks the request records of one verified frame's content. Throws WFLG_E_CAPTURE_RECORD at the
 * first malformed record: the frame checksum passed, so damage here is a writer bug or a foreign
 * file, and guessing where the next record starts would risk emitting wrong bodies.
 */
export function* records(content: Buffer): Generator<CaptureRecord> {
  let at = 0;
  while (at < content.length) {
    if (content.compare(PREFIX_BYTES, 0, PREFIX_BYTES.length, at, at + PREFIX_BYTES.length) !== 0)
      throw bad('missing #wflg1 header', at);
    const nl = content.indexOf(10, at);
    if (nl < 0 || nl - at > MAX_HEADER_BYTES) throw bad('header line unterminated or too long', at);
    const header = parseHeader(content.toString('latin1', at, nl), at);
    const start = nl + 1;
    const end = start + header.storedBytes;
    if (end > content.length)
      throw bad(`body of ${header.storedBytes} bytes runs past the frame`, at);
    if (header.storedBytes > 0 && content[end - 1] !== 10)
      throw bad('body does not end with a newline', at);
    yield { header, body: content.subarray(start, end) };
    at = end;
  }
}
