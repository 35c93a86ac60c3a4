// Verbatim replay of capture parts against a plan. Request i is due at
// start + (arrival_i − arrival_0) / speed, computed from absolute time (never from the previous
// send), and is sent then whether or not earlier requests have been answered: an open model, so a
// slow target shows up as late sends and latency measured from the due time instead of silently
// stretching the replay (the failure GoReplay users report as "replay rate not honoured").
import { build as buildHistogram } from 'hdr-histogram-js';
import type { CaptureRecord } from '../lib/capture-format.js';
import {
  emptyReadStats,
  listParts,
  partRecords,
  streamsOf,
  type PartRef,
  type ReadStats,
} from '../lib/capture-reader.js';
import { WflgError } from '../lib/errors.js';
import { openStore } from '../lib/store/index.js';
import { formatOfQuery } from '../lib/wavefront.js';
import type { ObjectStore } from '../lib/store/types.js';
import { Restamper } from './restamp.js';
import { openSender } from './sender.js';

export interface ReplayOptions {
  readonly capture: string;
  readonly target: string;
  readonly speed: number;
  readonly loop: boolean;
  readonly restamp: boolean;
  /** Requests allowed in flight; beyond it a due request waits and is counted late. */
  readonly maxInFlight: number;
  /** A send this far behind its due time counts as late. */
  readonly lateMs: number;
  readonly durationSeconds?: number | undefined;
  readonly maxRequests?: number | undefined;
  readonly token?: string | undefined;
  /**
   * Also send every request here, fire-and-forget, as Envoy's request mirroring does: mirror
   * responses never delay the plan or the primary; they are only counted.
   */
  readonly mirror?: string | undefined;
  readonly gcsEndpoint?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly onProgress?: ((r: ReplayReport) => void) | undefined;
}

export interface ReplayReport {
  requests: number;
  lines: number;
  bodyBytes: number;
  late: number;
  /** Responses by HTTP status ('0' = transport error). */
  statuses: Record<string, number>;
  mirrorStatuses: Record<string, number>;
  restampedLines: number;
  /** Seconds of captured time replayed, and the wall time the plan gave it. */
  capturedSeconds: number;
  plannedSeconds: number;
  elapsedSeconds: number;
  latencyMs: { p50: number; p99: number; max: number };
  lagMs: { p50: number; p99: number; max: number };
  read: ReadStats;
}

type Next = { rec: CaptureRecord; stream: number } | undefined;

/** One cursor per writer stream: holds one decoded part at a time (memory: streams × part size). */
class StreamCursor {
  private part = 0;
  private it: Iterator<CaptureRecord> | undefined;
  head: CaptureRecord | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly parts: readonly PartRef[],
    private readonly stats: ReadStats,
  ) {}

  async advance(): Promise<void> {
    for (;;) {
      const r = this.it?.next();
      if (r && !r.done) {
        this.head = r.value;
        return;
      }
      const ref = this.parts[this.part++];
      if (!ref) {
        this.head = undefined;
        return;
      }
      const { data } = await this.store.readAll(ref.info.name);
      this.it = partRecords(data, this.stats);
    }
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

export async function replay(opts: ReplayOptions): Promise<ReplayReport> {
  const store = await openStore(
    opts.capture,
    opts.gcsEndpoint ? { gcsEndpoint: opts.gcsEndpoint } : {},
  );
  const parts = await listParts(store);
  if (parts.length === 0)
    throw new WflgError('WFLG_E_INPUT_READ', `no capture parts (*.wf.zst) under ${opts.capture}`);
  const sender = openSender(opts.target, { maxSockets: opts.maxInFlight, token: opts.token });
  const mirror = opts.mirror
    ? openSender(opts.mirror, { maxSockets: opts.maxInFlight })
    : undefined;
  const restamper = new Restamper();
  const latency = buildHistogram({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3.6e9,
    numberOfSignificantValueDigits: 3,
  });
  const lag = buildHistogram({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3.6e9,
    numberOfSignificantValueDigits: 3,
  });
  const report: ReplayReport = {
    requests: 0,
    lines: 0,
    bodyBytes: 0,
    late: 0,
    statuses: {},
    mirrorStatuses: {},
    restampedLines: 0,
    capturedSeconds: 0,
    plannedSeconds: 0,
    elapsedSeconds: 0,
    latencyMs: { p50: 0, p99: 0, max: 0 },
    lagMs: { p50: 0, p99: 0, max: 0 },
    read: emptyReadStats(),
  };
  const streams = streamsOf(parts);
  const startPerf = performance.now() + 20;
  const startEpoch = Date.now() + 20;
  const deadline =
    opts.durationSeconds === undefined ? Infinity : startPerf + opts.durationSeconds * 1000;
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;
  const pending = new Set<Promise<void>>();
  let loopOffsetMs = 0; // captured-time offset added by each --loop pass
  let t0: number | undefined;
  let lastArrival = 0;

  const publish = (): void => {
    const q = (h: typeof latency) => ({
      p50: h.getValueAtPercentile(50) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      max: h.maxValue / 1000,
    });
    report.latencyMs = q(latency);
    report.lagMs = q(lag);
    report.elapsedSeconds = (performance.now() - startPerf) / 1000;
  };

  outer: for (;;) {
    const cursors = streams.map((s) => new StreamCursor(store, s, report.read));
    await Promise.all(cursors.map((c) => c.advance()));
    let passFirst: number | undefined;
    for (;;) {
      // Streams are few (one per writer), so a linear scan for the earliest head is enough.
      let next: Next;
      cursors.forEach((c, i) => {
        if (c.head && (!next || c.head.header.arrivalMs < next.rec.header.arrivalMs))
          next = { rec: c.head, stream: i };
      });
      if (!next) break;
      const { rec } = next;
      await cursors[next.stream]!.advance();
      passFirst ??= rec.header.arrivalMs;
      t0 ??= rec.header.arrivalMs;
      const arrival = rec.header.arrivalMs + loopOffsetMs;
      lastArrival = Math.max(lastArrival, arrival);
      const dueOffset = (arrival - t0) / opts.speed;
      const due = startPerf + dueOffset;
      if (due > deadline || opts.signal?.aborted) break outer;
      if (opts.maxRequests !== undefined && report.requests >= opts.maxRequests) break outer;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait, opts.signal);
      while (inFlight >= opts.maxInFlight) await new Promise<void>((r) => (slotFreed = r));
      const sentAt = performance.now();
      const behind = Math.max(0, sentAt - due);
      lag.recordValue(Math.round(behind * 1000) + 1);
      if (behind > opts.lateMs) report.late++;
      let body = rec.body;
      if (opts.restamp) {
        const format = formatOfQuery(rec.header.query);
        const shift = startEpoch + dueOffset - arrival;
        const r = restamper.restamp(body, shift + loopOffsetMs, format);
        body = r.body;
        report.restampedLines += r.restamped;
      }
      report.requests++;
      report.lines += rec.header.lines;
      report.bodyBytes += body.length;
      inFlight++;
      const p = sender.send(rec.header, body).then(({ status }) => {
        // A send may leave up to 1 ms before its due time (timer granularity): clamp at 0.
        latency.recordValue(Math.max(0, Math.round((performance.now() - due) * 1000)) + 1);
        report.statuses[status] = (report.statuses[status] ?? 0) + 1;
        inFlight--;
        pending.delete(p);
        const wake = slotFreed;
        slotFreed = undefined;
        wake?.();
      });
      pending.add(p);
      if (mirror) {
        const m = mirror.send(rec.header, body).then(({ status }) => {
          report.mirrorStatuses[status] = (report.mirrorStatuses[status] ?? 0) + 1;
          pending.delete(m);
        });
        pending.add(m);
      }
      if (report.requests % 1000 === 0 && opts.onProgress) {
        publish();
        opts.onProgress(report);
      }
    }
    if (!opts.loop || passFirst === undefined) break;
    // The next pass starts one mean gap after this one ended, so the seam keeps the rhythm.
    const span = lastArrival - (passFirst + loopOffsetMs);
    loopOffsetMs += span + Math.max(1, span / Math.max(1, report.requests));
  }
  await Promise.all(pending);
  await sender.close();
  await mirror?.close();
  await store.close();
  report.capturedSeconds = t0 === undefined ? 0 : (lastArrival - t0) / 1000;
  report.plannedSeconds = report.capturedSeconds / opts.speed;
  publish();
  return report;
}
