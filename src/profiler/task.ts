// One unit of profiling work — a capture part or a plain Wavefront file — turned into a partial
// profile. Runs inside a piscina worker (./worker.ts) or in-process (--workers 0).
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DecodeScratch, partRecords } from '../lib/capture-reader.js';
import { WflgError } from '../lib/errors.js';
import { lineBatches } from '../lib/input.js';
import { native } from '../lib/native.js';
import { ParserSet, formatOfQuery, type WavefrontFormat } from '../lib/wavefront.js';
import type { FamilyAcc } from './family-acc.js';
import { CLIENT_CAP, PartialAcc, type PartialState } from './partial.js';
import { scanText, type TimeCarry } from './scan.js';

export interface Task {
  /** Display name (object name or file path); partials are merged in the order of these. */
  readonly input: string;
  /** Local file to read, or the bytes themselves (objects read by the main thread). */
  readonly path?: string;
  readonly bytes?: Uint8Array;
  /** Wavefront format for plain files (captures take it from each request's f=). */
  readonly format: WavefrontFormat;
  readonly seriesCap: number;
  readonly instantCap: number;
}

const ZSTD_MAGIC = 0xfd2fb528;
const HEADER = Buffer.from('#wflg1 ');
const MAX_FRAME = 256 * 1024 * 1024;
/** First prefix tried when sniffing; a zstd block yields nothing until all its bytes are in. */
const SNIFF_STEP = 4096;
/** Output cap per sniff attempt: a block is ≤ 128 KiB decoded, so only RLE floods reach it. */
const SNIFF_MAX_OUT = 16 << 20;

/** The decoded bytes of `buf[0, end)`, or undefined when that prefix does not decode. */
function decodePrefix(buf: Uint8Array, end: number): Buffer | undefined {
  try {
    return new (native().ZstdStreamDecoder)().push(buf.subarray(0, end), SNIFF_MAX_OUT);
  } catch {
    return undefined;
  }
}

/**
 * Is this a capture part (zstd frames of #wflg1 records) rather than plain Wavefront? Only the
 * start of the first frame is decoded: the frame need not be whole or verify (a torn or damaged
 * first frame is the reader's to skip and count, and a 1 MiB head may end inside it), and the
 * task does not decode it twice. A prefix that fails to decode (damage, or a checksum reached) is
 * bisected, since decoding fails at the same byte for every longer prefix.
 */
export function isCapturePart(head: Uint8Array): boolean {
  if (
    head.length < 4 ||
    Buffer.from(head.buffer, head.byteOffset, 4).readUInt32LE(0) !== ZSTD_MAGIC
  )
    return false;
  let good = 0;
  let bad = head.length + 1;
  let out: Buffer | undefined;
  for (let end = Math.min(head.length, SNIFF_STEP); end > good && end < bad;) {
    const d = decodePrefix(head, end);
    if (d) {
      out = d;
      good = end;
      if (d.length >= HEADER.length) break;
    } else bad = end;
    end = bad > head.length ? Math.min(head.length, 2 * end) : (good + bad) >>> 1;
  }
  return out !== undefined && out.subarray(0, HEADER.length).equals(HEADER);
}

function formatOf(query: string, fallback: WavefrontFormat): WavefrontFormat {
  const f = formatOfQuery(query);
  return f === 'auto' ? fallback : f;
}

/** One decode buffer per thread, reused by every part it reads: each part's records are consumed
 * in one synchronous loop (no await inside), so no two parts ever hold it at once. */
const scratch = new DecodeScratch();

export async function runTask(task: Task): Promise<PartialState> {
  const acc = new PartialAcc(task.input, task.seriesCap, task.instantCap);
  const parsers = new ParserSet();
  const famCache = new Map<number, FamilyAcc>();
  const carry: TimeCarry = { lastTs: 0 };
  const g = acc.global;
  let data: Uint8Array | undefined = task.bytes;
  if (!data && task.path?.endsWith('.wf.zst')) {
    data = await readFile(task.path).catch((err: unknown) => {
      throw new WflgError('WFLG_E_INPUT_READ', `${task.path}: ${String(err)}`, { path: task.path });
    });
  }
  if (data && isCapturePart(data)) {
    g.captured = true;
    g.read.inputBytes += data.length;
    let prevArrival = NaN;
    for (const rec of partRecords(data, g.read, MAX_FRAME, scratch)) {
      const h = rec.header;
      const fmt = formatOf(h.query, 'wavefront');
      g.stored.add(h.storedBytes);
      g.encodings.set(h.encoding, (g.encodings.get(h.encoding) ?? 0) + 1);
      const [fLines, fWire, fSizes] = g.formatTallies(fmt);
      fLines.add(h.lines);
      fWire.add(h.wireBytes);
      fSizes.add(h.arrivalMs, h.lines);
      g.paths.set(h.path, (g.paths.get(h.path) ?? 0) + 1);
      const c = g.clients.get(h.client);
      if (c) {
        c[0]++;
        c[1] += h.lines;
      } else if (g.clients.size < CLIENT_CAP) g.clients.set(h.client, [1, h.lines]);
      else g.clientsOverflow++;
      g.mirrorSum += h.mirrorFraction;
      g.reqCurve.add(h.arrivalMs);
      if (h.arrivalMs !== prevArrival) g.reqInst.add(h.arrivalMs);
      if (h.arrivalMs >= prevArrival) g.gaps.add(h.arrivalMs - prevArrival);
      prevArrival = h.arrivalMs;
      if (h.arrivalMs < g.minMs) g.minMs = h.arrivalMs;
      if (h.arrivalMs > g.maxMs) g.maxMs = h.arrivalMs;
      if (rec.body.length) scanText(acc, rec.body, parsers.get(fmt), h.arrivalMs, carry, famCache);
    }
    return acc.state();
  }
  // Plain Wavefront: the lines' timestamps are the time axis, the file one stream.
  const parser = parsers.get(task.format);
  const source = data
    ? Readable.from([Buffer.from(data.buffer, data.byteOffset, data.length)])
    : createReadStream(task.path!, { highWaterMark: 1 << 20 });
  for await (const batch of lineBatches(source, task.input, (n) => (g.read.inputBytes += n)))
    scanText(acc, batch, parser, undefined, carry, famCache);
  return acc.state();
}
