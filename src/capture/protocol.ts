// Messages between the ingest thread and the batch workers. A batch crosses the thread boundary
// once each way: request bodies go out as transferred ArrayBuffers, one compressed frame comes back.
import type { ContentEncoding } from '../lib/capture-format.js';

/** Why a request got no 2xx. Bounded: these are the only values of the `reason` metric label. */
export const REFUSALS = [
  'body_too_large',
  'decoded_too_large',
  'bad_encoding',
  'unsupported_encoding',
  'overloaded',
  'disk_full',
  'draining',
  'recovering',
  'method_not_allowed',
  'uri_too_long',
  'bad_request',
] as const;
export type Refusal = (typeof REFUSALS)[number];

/** Requests that ended before their body did; never stored, never answered 2xx. */
export const ABORTS = ['client_abort', 'body_timeout', 'short_body'] as const;
export type Abort = (typeof ABORTS)[number];

export const ENCODING_CODES: readonly ContentEncoding[] = ['identity', 'gzip', 'deflate'];

export interface WorkerInit {
  readonly level: number;
  readonly salt: string;
  readonly mirrorFraction: number;
  readonly maxDecodedBytes: number;
}

export interface BatchIn {
  readonly b: number;
  /** Request seq of the first request; request i gets seq0 + i (refused ones leave a gap). */
  readonly seq0: number;
  readonly arrivalMs: Float64Array;
  readonly wireBytes: Float64Array;
  readonly encoding: Uint8Array;
  readonly paths: readonly string[];
  readonly queries: readonly string[];
  readonly clients: readonly string[];
  readonly bodies: readonly ArrayBuffer[];
}

export interface BatchStats {
  requests: number;
  lines: number;
  rawBytes: number;
  firstArrivalMs: number;
  lastArrivalMs: number;
  maxSeq: number;
  rejects: Map<string, number>;
}

export interface BatchOut {
  readonly b: number;
  /** The frame (exactly its bytes), or null when every request was refused. */
  readonly frame: ArrayBuffer | null;
  /** Per request: 0 stored, else the HTTP status of the refusal. */
  readonly status: Uint16Array;
  /** Per request: index into REFUSALS when status != 0. */
  readonly reason: Uint8Array;
  /** Everything but `rejects`, which follows in the batch's CountsOut. */
  readonly stats: BatchStats;
  readonly decodedBytes: number;
  readonly compressSeconds: number;
}

/**
 * Line counts of a batch's stored requests, sent after its frame once the worker has no batch
 * waiting (deferred.ts): counting never delays an ack.
 */
export interface CountsOut {
  readonly counts: number;
  /** Lines by kind code. */
  readonly kinds: Float64Array;
  readonly rejects: Map<string, number>;
}

export function isCounts(m: BatchOut | CountsOut): m is CountsOut {
  return 'counts' in m;
}

export function emptyStats(): BatchStats {
  return {
    requests: 0,
    lines: 0,
    rawBytes: 0,
    firstArrivalMs: Infinity,
    lastArrivalMs: -Infinity,
    maxSeq: -1,
    rejects: new Map(),
  };
}

export function mergeStats(into: BatchStats, s: BatchStats): void {
  into.requests += s.requests;
  into.lines += s.lines;
  into.rawBytes += s.rawBytes;
  into.firstArrivalMs = Math.min(into.firstArrivalMs, s.firstArrivalMs);
  into.lastArrivalMs = Math.max(into.lastArrivalMs, s.lastArrivalMs);
  into.maxSeq = Math.max(into.maxSeq, s.maxSeq);
  mergeRejects(into.rejects, s.rejects);
}

export function mergeRejects(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}
