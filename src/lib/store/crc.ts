// CRC32C helpers shared by both stores: the native (hardware) checksum over a file in bounded
// chunks, and the base64 big-endian form GCS uses in object metadata and X-Goog-Hash.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { native } from '../native.js';

/** Read size for checksumming and copying: big enough to amortise syscalls, small enough to bound memory. */
const IO_CHUNK = 1 << 20;

/** The native (hardware) CRC32C of `buf`, continuing from `initial`; unsigned. */
export function crc32c(buf: Uint8Array, initial = 0): number {
  return native().crc32c(buf, initial);
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

/** CRC32C and byte count of an open file from its start, one IO_CHUNK buffer at a time. */
export async function crc32cOfHandle(
  fh: FileHandle,
  signal?: AbortSignal,
): Promise<{ crc32c: number; size: number }> {
  const buf = Buffer.allocUnsafe(IO_CHUNK);
  let crc = 0;
  let size = 0;
  for (;;) {
    signal?.throwIfAborted();
    const { bytesRead } = await fh.read(buf, 0, buf.length, size);
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
    return await crc32cOfHandle(fh, signal);
  } finally {
    await fh.close();
  }
}
