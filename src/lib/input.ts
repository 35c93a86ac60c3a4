// Reads a file or stdin as batches of whole lines, decompressing zstd transparently (detected by
// its magic number, not the file name). Batches are bounded so memory stays flat on any input.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { WflgError } from './errors.js';
import { native, type NativeZstdStreamDecoder } from './native.js';

const ZSTD_MAGIC = 0xfd2fb528;
/** Target batch size handed to the parser. */
export const BATCH_BYTES = 4 << 20;
/** A single line longer than this is cut into a batch of its own rather than buffered forever. */
const MAX_CARRY = 64 << 20;
/** Cap on what one compressed chunk may expand to (zip-bomb guard). */
const MAX_EXPANSION = 1 << 30;

export function openInput(path: string): Readable {
  if (path === '-') return process.stdin;
  return createReadStream(path, { highWaterMark: 1 << 20 });
}

/**
 * Yields buffers that end on a line boundary (except possibly the last one). `onBytes` sees the
 * raw byte count read, before decompression.
 */
export async function* lineBatches(
  stream: Readable,
  name: string,
  onBytes?: (n: number) => void,
): AsyncGenerator<Buffer> {
  let decoder: NativeZstdStreamDecoder | undefined;
  // Bytes held until four are in and the zstd magic can be checked (stdin may deliver less).
  let head: Buffer | undefined = Buffer.alloc(0);
  const pending: Buffer[] = [];
  let pendingLen = 0;
  // Pending bytes are joined once per batch, and again only after they double, so a very long
  // line costs linear, not quadratic, copying.
  let threshold = BATCH_BYTES;
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      onBytes?.(raw.length);
      let chunk = raw;
      if (head) {
        head = head.length ? Buffer.concat([head, chunk]) : chunk;
        if (head.length < 4) continue;
        if (head.readUInt32LE(0) === ZSTD_MAGIC) decoder = newDecoder();
        chunk = head;
        head = undefined;
      }
      if (decoder) chunk = decoder.push(chunk, MAX_EXPANSION);
      pending.push(chunk);
      pendingLen += chunk.length;
      if (pendingLen < threshold) continue;
      let buf = Buffer.concat(pending, pendingLen);
      pending.length = 0;
      let cut = buf.lastIndexOf(10);
      if (cut < 0 && buf.length >= MAX_CARRY) cut = buf.length - 1;
      if (cut >= 0) {
        yield buf.subarray(0, cut + 1);
        buf = buf.subarray(cut + 1);
        threshold = BATCH_BYTES;
      } else {
        threshold = Math.min(buf.length * 2, MAX_CARRY);
      }
      pendingLen = buf.length;
      if (pendingLen) pending.push(buf);
    }
  } catch (err) {
    if (err instanceof WflgError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new WflgError('WFLG_E_INPUT_READ', `${name}: ${message}`, { name }, { cause: err });
  }
  if (head?.length) {
    pending.push(head);
    pendingLen += head.length;
  }
  if (decoder && !decoder.complete) {
    throw new WflgError('WFLG_E_INPUT_READ', `${name}: zstd stream is truncated`, { name });
  }
  if (pendingLen) yield Buffer.concat(pending, pendingLen);
}

function newDecoder(): NativeZstdStreamDecoder {
  return new (native().ZstdStreamDecoder)();
}

/**
 * Decodes a whole zstd buffer (any number of frames) in one native call; output beyond `maxBytes`
 * or a truncated stream is WFLG_E_INPUT_READ naming `name`.
 */
export function decodeZstd(data: Uint8Array, maxBytes: number, name: string): Buffer {
  const d = newDecoder();
  let out: Buffer;
  try {
    out = d.push(data, maxBytes);
  } catch (err) {
    throw new WflgError('WFLG_E_INPUT_READ', `${name}: ${(err as Error).message}`, { name });
  }
  if (!d.complete)
    throw new WflgError('WFLG_E_INPUT_READ', `${name}: truncated zstd stream`, { name });
  return out;
}
