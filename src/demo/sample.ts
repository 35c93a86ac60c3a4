// The demo's traffic sample: a two-hour slice of the bundled public corpus
// (fixtures/corpus/README.md has its sources and licences) turned into a capture part, so
// `wflg replay` can play it through the mirror. The corpus keeps each line's own timestamp but no
// request boundaries, so batching is derived the way an agent flushes: consecutive lines of one
// format (wavefront, histogram, trace), at most BATCH_LINES, closed after BATCH_WINDOW_MS of
// compressed time; about a third of the requests are gzip-encoded, as agents commonly send. The
// demo says so when it runs: the arrival times are real, the batching is modelled.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeHeader } from '../lib/capture-format.js';
import { native } from '../lib/native.js';
import { WavefrontParser } from '../lib/wavefront.js';

export interface SampleOptions {
  /** Decompressed corpus bytes. */
  readonly corpus: Buffer;
  /** Start of the slice, Unix seconds, and its length. */
  readonly fromSeconds: number;
  readonly windowSeconds: number;
  /** Wall seconds the slice is compressed into. */
  readonly replaySeconds: number;
  /** Store root to write `capture/dt=…/mig=demo/sample/part-sample-00000001.wf.zst` under. */
  readonly dir: string;
}

export interface Sample {
  readonly lines: number;
  readonly requests: number;
  readonly bytes: number;
}

const BATCH_LINES = 500;
const BATCH_WINDOW_MS = 250;
/**
 * The slice the demo uses: the LLM-serving hour with its neighbours (gauges, deltas, spans). Two
 * hours, so that compressed into a minute and generated at 2× a gauge series still sends at most
 * one point a second (0.8/s at most here), the rule Wavefront keeps for plain metrics: a six-hour
 * slice made its gauges send 1.2 points a second, which 2× could only reach at 0.42× of the
 * volume. The LLM hour fills half of the window instead of a sixth.
 */
export const DEMO_SLICE = { fromSeconds: 1_793_642_000, windowSeconds: 2 * 3600 } as const;

type Format = 'wavefront' | 'histogram' | 'trace';
const NL = Buffer.from('\n');

/** Arrival times are placed on a fixed day so the sample is the same bytes on every run. */
const EPOCH_MS = Date.UTC(2026, 10, 1);

export function buildSample(o: SampleOptions): Sample {
  const batch = new WavefrontParser({ format: 'auto' }).parse(o.corpus);
  const t0 = o.fromSeconds * 1000;
  const t1 = t0 + o.windowSeconds * 1000;
  const compress = o.windowSeconds / o.replaySeconds;
  // Spans fail per-line (auto) parsing — the proxy takes them only with f=trace — so the lines
  // auto rejects, and only those, are parsed once more as spans, in one batch.
  const retried = new Map<number, number>();
  const retry: Buffer[] = [];
  for (let i = 0; i < batch.length; i++) {
    if (batch.ok(i) || batch.kind(i) === 'blank') continue;
    retried.set(i, retried.size);
    retry.push(o.corpus.subarray(batch.lineStart(i), batch.lineEnd(i)), NL);
  }
  const spans = new WavefrontParser({ format: 'trace', listener: 'trace-port' }).parse(
    Buffer.concat(retry),
  );
  const enc = new (native().FrameEncoder)(3);
  const frames: Buffer[] = [];
  // `lines` holds each line's bytes followed by a newline: two entries per line, joined once per request.
  let open: { format: Format; firstMs: number; lastMs: number; lines: Buffer[] } | undefined;
  let seq = 0;
  let lines = 0;
  let bytes = 0;
  const flush = (): void => {
    if (!open) return;
    const body = Buffer.concat(open.lines);
    const count = open.lines.length / 2;
    seq++;
    const gzip = seq % 3 === 0;
    const header = encodeHeader({
      arrivalMs: Math.round(open.lastMs),
      // The wire size of a gzip body is not known until replay re-encodes it; the stored size is
      // what the profiler learns lines and bytes from.
      wireBytes: body.length,
      encoding: gzip ? 'gzip' : 'identity',
      storedBytes: body.length,
      lines: count,
      path: '/report',
      query: `f=${open.format}`,
      client: (0x1000000000000 + (seq % 7)).toString(16).padStart(16, '0'),
      mirrorFraction: 1,
      seq,
    });
    frames.push(enc.encode(Buffer.concat([Buffer.from(header), body])));
    lines += count;
    bytes += body.length;
    open = undefined;
  };
  for (let i = 0; i < batch.length; i++) {
    const j = retried.get(i);
    const isSpan = j !== undefined && spans.kind(j) === 'span' && spans.ok(j);
    const ts = batch.timestampMs(i) ?? (j === undefined ? undefined : spans.timestampMs(j));
    if (ts === undefined || ts < t0 || ts >= t1) continue;
    const format: Format = isSpan
      ? 'trace'
      : batch.kind(i).startsWith('histogram')
        ? 'histogram'
        : 'wavefront';
    const arrival = EPOCH_MS + (ts - t0) / compress;
    if (
      open &&
      (open.format !== format ||
        open.lines.length >= 2 * BATCH_LINES ||
        arrival - open.firstMs > BATCH_WINDOW_MS)
    )
      flush();
    open ??= { format, firstMs: arrival, lastMs: arrival, lines: [] };
    open.lastMs = Math.max(open.lastMs, arrival);
    open.lines.push(o.corpus.subarray(batch.lineStart(i), batch.lineEnd(i)), NL);
  }
  flush();
  const dir = join(o.dir, 'capture', 'dt=2026-11-01', 'mig=demo', 'sample');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'part-sample-00000001.wf.zst'), Buffer.concat(frames));
  return { lines, requests: seq, bytes };
}
