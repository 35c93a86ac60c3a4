// CRC32C helpers shared by both stores: the native (hardware) checksum over a file in bounded
// chunks, and the base64 big-endian form GCS uses in object metadata and X-Goog-Hash.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { WflgError } from '../errors.js';
import { native } from '../native.js';

/** Read size for checksumming and copying: big enough to amortise syscalls, small enough to bound memory. */
export const IO_CHUNK = 1 << 20;

type CrcFn = (buf: Uint8Array, initial?: number) => number;
let crcFn: CrcFn | undefined;

// napi-rs camel-cases the Rust `crc32c` export to `crc32C` unless it is given a js_name; accept
// either spelling so this keeps working once the binding is renamed to match native.ts.
function resolveCrc(): CrcFn {
  const mod = native() as unknown as Record<string, unknown>;
  const fn = (mod.crc32c ?? mod.crc32C) as CrcFn | undefined;
  if (typeof fn !== 'function')
    throw new WflgError('WFLG_E_NATIVE_MISSING', 'native addon has no crc32c; rebuild it', {});
  return fn;
}

export function crc32c(buf: Uint8Array, initial = 0): number {
  crcFn ??= resolveCrc();
  return crcFn(buf, initial) >>> 0;
}

export function crc32cToBase64(crc: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(crc >>> 0);
  return b.toString('base64');
}

/** Parses GCS's base64 crc32c; undefined when absent or malformed (never a guessed value). */
export function crc32cFromBase64(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const b = Buffer.from(text, 'base64');
  if (b.length !== 4 || b.toString('base64') !== text) return undefined;
  return b.readUInt32BE(0);
}

/** CRC32C and byte count of `length` bytes of an open file from `start`, one IO_CHUNK buffer at a time. */
export async function crc32cOfHandle(
  fh: FileHandle,
  start = 0,
  length = Infinity,
  signal?: AbortSignal,
): Promise<{ crc32c: number; size: number }> {
  const buf = Buffer.allocUnsafe(IO_CHUNK);
  let crc = 0;
  let size = 0;
  while (size < length) {
    signal?.throwIfAborted();
    const want = Math.min(buf.length, length - size);
    const { bytesRead } = await fh.read(buf, 0, want, start + size);
    if (bytesRead === 0) break;
    crc = crc32c(buf.subarray(0, bytesRead), crc);
    size += bytesRead;
  }
  return { crc32c: crc, size };
}

export async function crc32cOfFile(
  path: string,
  signal?: AbortSignal,
): Promise<{ crc32c: number; size: number }> {
  const fh = await open(path, 'r');
  try {
    return await crc32cOfHandle(fh, 0, Infinity, signal);
  } finally {
    await fh.close();
  }
}
