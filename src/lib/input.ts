// Reads a file or stdin as batches of whole lines, decompressing zstd transparently (detected by
// its magic number, not the file name). Batches are bounded so memory stays flat on any input.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { WflgError } from './errors.js';
import { native } from './native.js';

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
  let decoder: ReturnType<typeof newDecoder> | undefined;
  let sniffed = false;
  let carry: Buffer = Buffer.alloc(0);
  try {
    for await (const raw of stream as AsyncIterable<Buffer>) {
      onBytes?.(raw.length);
      let chunk = raw;
      if (!sniffed) {
        sniffed = true;
        if (chunk.length >= 4 && chunk.readUInt32LE(0) === ZSTD_MAGIC) decoder = newDecoder();
      }
      if (decoder) chunk = decoder.push(chunk, MAX_EXPANSION);
      carry = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      while (carry.length >= BATCH_BYTES) {
        let cut = carry.lastIndexOf(10, BATCH_BYTES * 2);
        if (cut < 0) {
          if (carry.length < MAX_CARRY) break;
          cut = MAX_CARRY - 1;
        }
        yield carry.subarray(0, cut + 1);
        carry = carry.subarray(cut + 1);
      }
    }
  } catch (err) {
    if (err instanceof WflgError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new WflgError('WFLG_E_INPUT_READ', `${name}: ${message}`, { name }, { cause: err });
  }
  if (decoder && !decoder.complete) {
    throw new WflgError('WFLG_E_INPUT_READ', `${name}: zstd stream is truncated`, { name });
  }
  if (carry.length) yield carry;
}

function newDecoder() {
  return new (native().ZstdStreamDecoder)();
}
