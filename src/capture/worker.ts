// Batch worker thread: decodes gzip/deflate bodies under a hard cap, lays the requests out as
// `#wflg1` records and compresses them into one checksummed zstd frame, then counts lines with the
// native parser when no batch is waiting (deferred.ts). CPU work lives here so the ingest thread
// only moves bytes; the frame that comes back is exactly what the writer appends, fsyncs and later
// uploads.
import { parentPort, workerData } from 'node:worker_threads';
import { gunzipSync, inflateSync } from 'node:zlib';
import { bodyLayout, clientHash, encodeHeader } from '../lib/capture-format.js';
import { native } from '../lib/native.js';
import { Classifier, newCounts } from './classify.js';
import { DeferredCounts } from './deferred.js';
import {
  ENCODING_CODES,
  REFUSALS,
  emptyStats,
  type BatchIn,
  type BatchOut,
  type WorkerInit,
} from './protocol.js';

const init = workerData as WorkerInit;
const addon = native();
const encoder = new addon.FrameEncoder(init.level);
// 16 MiB held per worker: a burst of 1 MiB bodies outgrows a 4 MiB cap (which gave back half of
// the p99 gain). 1 MiB steps (≈ 1.3 ms of counting): 256 KiB steps cut the p99 no further and cost
// ~3 % more throughput in per-call overhead.
const deferred = new DeferredCounts(
  new Classifier(),
  newCounts,
  (c) => parentPort!.postMessage(c),
  16 << 20,
  1 << 20,
);
let payload = Buffer.allocUnsafeSlow(1 << 20);
let target = Buffer.allocUnsafeSlow(addon.frameBound(payload.length));
const clientIds = new Map<string, string>();
const NL = 10;

function clientId(client: string): string {
  let id = clientIds.get(client);
  if (id === undefined) {
    // Bounded: many distinct clients just recompute.
    if (clientIds.size >= 8192) clientIds.clear();
    id = clientHash(init.salt, client);
    clientIds.set(client, id);
  }
  return id;
}

const KEEP = 16 << 20;

function ensure(used: number, bytes: number): void {
  if (payload.length >= bytes) return;
  const grown = Buffer.allocUnsafeSlow(Math.max(bytes, payload.length * 2));
  payload.copy(grown, 0, 0, used);
  payload = grown;
  target = Buffer.allocUnsafeSlow(addon.frameBound(payload.length));
}

/** A huge request grows the scratch buffers; give that memory back once it is written. */
function shrink(): void {
  if (payload.length <= KEEP) return;
  payload = Buffer.allocUnsafeSlow(1 << 20);
  target = Buffer.allocUnsafeSlow(addon.frameBound(payload.length));
}

function decode(body: Buffer, enc: number): Buffer | number {
  if (enc === 0) return body;
  try {
    const opts = { maxOutputLength: init.maxDecodedBytes };
    return enc === 1 ? gunzipSync(body, opts) : inflateSync(body, opts);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
      ? REFUSALS.indexOf('decoded_too_large')
      : REFUSALS.indexOf('bad_encoding');
  }
}

/** Stored (decoded) bodies of the current batch and their queries, for the deferred counts. */
const kept: Buffer[] = [];
const keptQueries: string[] = [];

function copyExact(b: Buffer): Buffer {
  const c = Buffer.allocUnsafeSlow(b.length);
  b.copy(c);
  return c;
}

function run(m: BatchIn): { out: BatchOut; transfer: ArrayBuffer[] } {
  kept.length = 0;
  keptQueries.length = 0;
  const n = m.bodies.length;
  const status = new Uint16Array(n);
  const reason = new Uint8Array(n);
  const stats = emptyStats();
  let at = 0;
  let decodedBytes = 0;
  for (let i = 0; i < n; i++) {
    const enc = m.encoding[i]!;
    const body = decode(Buffer.from(m.bodies[i]!), enc);
    if (typeof body === 'number') {
      status[i] = body === REFUSALS.indexOf('decoded_too_large') ? 413 : 400;
      reason[i] = body;
      continue;
    }
    decodedBytes += body.length;
    const { storedBytes: stored, lines, needsNewline: needNl } = bodyLayout(body);
    const seq = m.seq0 + i;
    const arrival = m.arrivalMs[i]!;
    const header = encodeHeader({
      arrivalMs: arrival,
      wireBytes: m.wireBytes[i]!,
      encoding: ENCODING_CODES[enc]!,
      storedBytes: stored,
      lines,
      path: m.paths[i]!,
      query: m.queries[i]!,
      client: clientId(m.clients[i]!),
      mirrorFraction: init.mirrorFraction,
      seq,
    });
    ensure(at, at + header.length + stored);
    at += payload.write(header, at, 'latin1');
    at += body.copy(payload, at);
    // Held until counted: a small inflated body is a view into zlib's 16 KiB chunk, which the
    // deferred counts' cap (charged by body length) would not see.
    kept.push(body.buffer.byteLength > 2 * body.length ? copyExact(body) : body);
    keptQueries.push(m.queries[i]!);
    if (needNl) payload[at++] = NL;
    stats.requests++;
    stats.lines += lines;
    stats.firstArrivalMs = Math.min(stats.firstArrivalMs, arrival);
    stats.lastArrivalMs = Math.max(stats.lastArrivalMs, arrival);
    stats.maxSeq = seq;
  }
  stats.rawBytes = at;
  let frame: ArrayBuffer | null = null;
  const t0 = process.hrtime.bigint();
  if (stats.requests > 0) {
    const len = encoder.encodeInto(payload.subarray(0, at), target, 0);
    // Copied out at its exact size so the reusable target never crosses threads.
    frame = new ArrayBuffer(len);
    target.copy(new Uint8Array(frame), 0, 0, len);
  }
  const compressSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const out: BatchOut = {
    b: m.b,
    frame,
    status,
    reason,
    stats,
    decodedBytes,
    compressSeconds,
  };
  return { out, transfer: frame ? [frame] : [] };
}

// One unit of work per event-loop turn: a batch, else one slice of counting. Messages are delivered
// between turns, so a batch that arrives waits for at most one slice. Node hands a busy worker all
// queued messages in one callback; run inline, a worker that is never idle would never reach the
// turn's end, where Node runs the finalizers that free the native parser's columns, and its memory
// would grow with the backlog.
const queue: BatchIn[] = [];

function next(): void {
  const m = queue.shift();
  if (m) {
    const { out, transfer } = run(m);
    parentPort!.postMessage(out, transfer);
    if (out.frame) deferred.add(m.b, kept.splice(0), keptQueries.splice(0));
    deferred.trim();
    shrink();
  } else deferred.step();
  if (queue.length > 0 || !deferred.idle) setImmediate(next);
}

parentPort!.on('message', (m: BatchIn) => {
  if (queue.push(m) === 1 && deferred.idle) setImmediate(next);
});
