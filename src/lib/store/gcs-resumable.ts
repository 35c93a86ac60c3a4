// The GCS JSON-API resumable upload, spoken directly over HTTP so that crash-resume, re-sending
// from the server's offset and memory use are ours to control (the client library keeps a chunk
// copy in memory and refuses to continue when the server holds fewer bytes than it discarded).
//
// Protocol: POST ...?uploadType=resumable&ifGenerationMatch=0 returns the session URI in
// Location; it is persisted before the first byte is sent. Chunks go as PUT with
// Content-Range bytes a-b/N (multiples of 256 KiB except the last); 308 + Range: bytes=0-k means
// "have k+1 bytes" (possibly fewer than sent), 200/201 carries the final object. After any
// failure the session is asked where it stands with an empty PUT "Content-Range: bytes */N",
// and sending resumes from there, re-read from the file (never from a retained copy). 404/410
// mean the session is gone: a new one is started, and ifGenerationMatch=0 turns "already
// completed by an earlier attempt" into a 412 the caller settles by checksum.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { WflgError } from '../errors.js';
import { crc32cFromBase64, crc32cToBase64 } from './crc.js';
import { dropSession, loadSession, saveSession, type SessionRecord } from './gcs-session.js';
import { backoff, isNetworkError, isRetriableStatus, type RetryPolicy } from './retry.js';

export interface GcsObjectMeta {
  readonly generation: string;
  readonly size: number;
  readonly crc32c: number | undefined;
}

export interface UploadTarget {
  /** API root without a trailing slash, e.g. https://storage.googleapis.com. */
  readonly endpoint: string;
  readonly bucket: string;
  readonly object: string;
  readonly authHeaders: () => Promise<Record<string, string>>;
}

export interface UploadParams {
  readonly path: string;
  readonly size: number;
  readonly crc32c: number;
  readonly sessionPath?: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

export type UploadResult =
  | { readonly kind: 'finalized'; readonly meta: GcsObjectMeta }
  /** 412: a live object already holds the name (possibly our own earlier, completed attempt). */
  | { readonly kind: 'precondition' }
  /** A non-retriable refusal (e.g. 400 checksum mismatch at finalize); the session is dropped. */
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string };

type Step =
  | { kind: 'done'; meta: GcsObjectMeta }
  | { kind: 'offset'; offset: number }
  | { kind: 'gone' }
  | { kind: 'precondition' }
  | { kind: 'retry'; why: string }
  | { kind: 'rejected'; status: number; message: string };

/** A session that keeps vanishing (expiry, server restarts) must not loop forever. */
const MAX_SESSIONS = 4;

export async function uploadResumable(
  target: UploadTarget,
  p: UploadParams,
  chunkSize: number,
  policy: RetryPolicy,
): Promise<UploadResult> {
  const want = {
    bucket: target.bucket,
    object: target.object,
    size: p.size,
    crc32c: p.crc32c >>> 0,
  };
  let session = await loadSession(p.sessionPath, want);
  // undefined: the server's offset is unknown (resumed or after a failure) and must be queried.
  let offset: number | undefined;
  // Highest offset the server has acknowledged; only real progress forgives earlier failures.
  let acked = -1;
  let failures = 0;
  let lost = 0;
  let lastFailure = '';
  const fh = await open(p.path, 'r');
  try {
    const st = await fh.stat();
    if (st.size !== p.size) throw changed(p, `is ${st.size} bytes`);
    const buf = Buffer.allocUnsafe(Math.max(1, Math.min(chunkSize, p.size)));
    for (;;) {
      p.signal?.throwIfAborted();
      let step: Step;
      try {
        if (!session) {
          const started = await initiate(target, p, policy);
          if (typeof started !== 'string') {
            step = started;
          } else {
            session = { v: 1, ...want, uri: started, createdAt: Date.now() };
            await saveSession(p.sessionPath, session);
            offset = 0;
            continue;
          }
        } else {
          step = await sendPart(target, session.uri, p, offset, policy, fh, buf);
        }
      } catch (err) {
        if (!isNetworkError(err, p.signal)) throw err;
        step = { kind: 'retry', why: describe(err) };
      }
      switch (step.kind) {
        case 'done':
          await dropSession(p.sessionPath);
          return { kind: 'finalized', meta: step.meta };
        case 'offset':
          if (step.offset > p.size)
            throw unavailable(target, `server claims ${step.offset} of ${p.size} bytes`);
          if (step.offset > acked) {
            acked = step.offset;
            failures = 0;
          }
          offset = step.offset;
          if (offset === p.size) {
            // All bytes held but not finalized: only a status query can close it; bounded below.
            offset = undefined;
            if (++failures >= policy.maxAttempts)
              throw unavailable(target, 'upload never finalized');
          }
          break;
        case 'gone':
          if (++lost > MAX_SESSIONS)
            throw unavailable(
              target,
              `${lost} upload sessions were lost (expired or server restarted)`,
            );
          acked = -1;
          session = undefined;
          offset = undefined;
          await dropSession(p.sessionPath);
          break;
        case 'precondition':
        case 'rejected':
          await dropSession(p.sessionPath);
          return step;
        case 'retry':
          lastFailure = step.why;
          if (++failures >= policy.maxAttempts)
            throw unavailable(target, `gave up after ${failures} attempts: ${lastFailure}`);
          offset = undefined;
          await backoff(failures - 1, policy, p.signal);
          break;
      }
    }
  } finally {
    await fh.close();
  }
}

async function initiate(
  target: UploadTarget,
  p: UploadParams,
  policy: RetryPolicy,
): Promise<string | Step> {
  const q = new URLSearchParams({
    uploadType: 'resumable',
    name: target.object,
    ifGenerationMatch: '0',
  });
  const url = `${target.endpoint}/upload/storage/v1/b/${encodeURIComponent(target.bucket)}/o?${q.toString()}`;
  const body = JSON.stringify({ name: target.object, crc32c: crc32cToBase64(p.crc32c) });
  const res = await request(target, 'POST', url, policy, p.signal, Buffer.from(body), {
    'content-type': 'application/json; charset=UTF-8',
    'x-upload-content-type': 'application/octet-stream',
    'x-upload-content-length': String(p.size),
  });
  const text = await res.text();
  const location = res.headers.get('location');
  if (res.status === 200 || res.status === 201) {
    if (location && /^https?:\/\//.test(location)) return location;
    throw unavailable(target, `session start answered ${res.status} without a usable Location`);
  }
  return classify(res.status, text, res.headers.get('range'), target);
}

/** One chunk from `offset`, or the empty status query when `offset` is undefined. */
async function sendPart(
  target: UploadTarget,
  uri: string,
  p: UploadParams,
  offset: number | undefined,
  policy: RetryPolicy,
  fh: FileHandle,
  buf: Buffer,
): Promise<Step> {
  let body: Uint8Array = new Uint8Array(0);
  let range = `bytes */${p.size}`;
  const headers: Record<string, string> = {};
  if (offset !== undefined && p.size > 0) {
    const end = Math.min(offset + buf.length, p.size);
    let got = 0;
    while (got < end - offset) {
      const { bytesRead } = await fh.read(buf, got, end - offset - got, offset + got);
      if (bytesRead === 0) throw changed(p, `ends before byte ${offset + got}`);
      got += bytesRead;
    }
    body = buf.subarray(0, got);
    range = `bytes ${offset}-${end - 1}/${p.size}`;
    if (end === p.size) headers['x-goog-hash'] = `crc32c=${crc32cToBase64(p.crc32c)}`;
  }
  headers['content-range'] = range;
  const res = await request(target, 'PUT', uri, policy, p.signal, body, headers);
  return classify(res.status, await res.text(), res.headers.get('range'), target);
}

function classify(status: number, text: string, range: string | null, target: UploadTarget): Step {
  if (status === 200 || status === 201) return { kind: 'done', meta: parseMeta(text, target) };
  if (status === 308) {
    if (range === null) return { kind: 'offset', offset: 0 };
    const m = /^bytes=0-(\d+)$/.exec(range);
    if (!m) throw unavailable(target, `unparseable Range '${range}'`);
    return { kind: 'offset', offset: Number(m[1]) + 1 };
  }
  if (status === 404 || status === 410 || status === 499) return { kind: 'gone' };
  if (status === 412) return { kind: 'precondition' };
  if (isRetriableStatus(status)) return { kind: 'retry', why: `HTTP ${status}` };
  return { kind: 'rejected', status, message: text.slice(0, 500) };
}

function parseMeta(text: string, target: UploadTarget): GcsObjectMeta {
  let o: { generation?: unknown; size?: unknown; crc32c?: unknown };
  try {
    o = JSON.parse(text) as typeof o;
  } catch {
    throw unavailable(target, 'finalize returned no object resource');
  }
  const size = Number(o.size);
  if (
    (typeof o.generation !== 'string' && typeof o.generation !== 'number') ||
    !Number.isSafeInteger(size)
  )
    throw unavailable(target, 'finalize returned an object without generation or size');
  return { generation: String(o.generation), size, crc32c: crc32cFromBase64(o.crc32c) };
}

async function request(
  target: UploadTarget,
  method: string,
  url: string,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  body: Uint8Array,
  headers: Record<string, string>,
): Promise<Response> {
  const timeout = AbortSignal.timeout(policy.requestTimeoutMs);
  return fetch(url, {
    method,
    body,
    headers: { ...(await target.authHeaders()), ...headers },
    redirect: 'manual',
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message;
}

function unavailable(target: UploadTarget, why: string): WflgError {
  return new WflgError(
    'WFLG_E_STORE_UNAVAILABLE',
    `gs://${target.bucket}/${target.object}: ${why}`,
    {
      bucket: target.bucket,
      object: target.object,
    },
  );
}

function changed(p: UploadParams, what: string): WflgError {
  return new WflgError('WFLG_E_STORE_VERIFY', `${p.path} ${what}, expected ${p.size} bytes`, {
    path: p.path,
    size: p.size,
  });
}

export type { SessionRecord };
