// Every wflg_capture_* metric (DESIGN §2.6). One registry per agent, so tests can run several
// agents in one process. Labels come only from the bounded enums in protocol.ts and the parser's
// kind and reject-code catalogues.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { KIND_NAMES } from '../lib/wavefront.js';
import { ABORTS, REFUSALS, type Abort, type Refusal } from './protocol.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export const UPLOAD_ERRORS = ['unavailable', 'conflict', 'verify', 'manifest', 'other'] as const;
export type UploadError = (typeof UPLOAD_ERRORS)[number];

export class CaptureMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'result'>;
  private readonly refusals: Counter<'reason'>;
  private readonly aborts: Counter<'reason'>;
  readonly bytesReceived: Counter;
  readonly bytesDecoded: Counter;
  readonly bytesStored: Counter;
  readonly bytesUploaded: Counter;
  private readonly lines: Counter<'kind'>;
  private readonly rejects: Counter<'code'>;
  readonly frameSeconds: Histogram;
  readonly fsyncSeconds: Histogram;
  readonly ackSeconds: Histogram;
  private readonly uploadErrors: Counter<'reason'>;
  readonly partsSealed: Counter;
  readonly partsUploaded: Counter;
  readonly partsQuarantined: Counter;
  readonly corruptFrames: Counter;
  readonly tornTailBytes: Counter;
  readonly diskBytes: Gauge;
  readonly backlogSeconds: Gauge;
  readonly inflightBytes: Gauge;
  readonly ready: Gauge;

  constructor() {
    const registers = [this.registry];
    const c = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
      new Counter({ name: `wflg_capture_${name}`, help, labelNames, registers });
    const g = (name: string, help: string): Gauge =>
      new Gauge({ name: `wflg_capture_${name}`, help, registers });
    const h = (name: string, help: string): Histogram =>
      new Histogram({ name: `wflg_capture_${name}`, help, buckets: LATENCY_BUCKETS, registers });
    this.requests = c('requests_total', 'POST requests by result', ['result']);
    this.refusals = c('refusals_total', 'requests answered without storing, by reason', ['reason']);
    this.aborts = c('aborts_total', 'requests whose body never completed, by reason', ['reason']);
    this.bytesReceived = c('received_bytes_total', 'request body bytes on the wire');
    this.bytesDecoded = c('decoded_bytes_total', 'request body bytes after content decoding');
    this.bytesStored = c('stored_bytes_total', 'compressed part bytes made durable locally');
    this.bytesUploaded = c('uploaded_bytes_total', 'part bytes confirmed in the object store');
    this.lines = c('lines_total', 'stored lines by kind', ['kind']);
    this.rejects = c('rejects_total', 'stored lines the proxy would reject, by code', ['code']);
    this.frameSeconds = h('frame_seconds', 'time to compress one frame');
    this.fsyncSeconds = h('fsync_seconds', 'time of one group-commit fdatasync');
    this.ackSeconds = h('ack_seconds', 'last body byte to 2xx');
    this.uploadErrors = c('upload_errors_total', 'failed upload attempts by reason', ['reason']);
    this.partsSealed = c('parts_sealed_total', 'parts sealed');
    this.partsUploaded = c('parts_uploaded_total', 'parts confirmed and listed in the manifest');
    this.partsQuarantined = c('parts_quarantined_total', 'parts set aside, never uploaded');
    this.corruptFrames = c('corrupt_frames_total', 'damaged frames found on recovery (skipped)');
    this.tornTailBytes = c('torn_tail_bytes_total', 'unacknowledged bytes truncated on recovery');
    this.diskBytes = g('disk_bytes', 'bytes of parts on local disk (open and sealed)');
    this.backlogSeconds = g('backlog_seconds', 'age of the oldest byte not yet confirmed uploaded');
    this.inflightBytes = g('inflight_bytes', 'request bytes held in memory until acknowledged');
    this.ready = g('ready', '1 when /ready answers 200');
    for (const r of REFUSALS) this.refusals.inc({ reason: r }, 0);
    for (const r of ABORTS) this.aborts.inc({ reason: r }, 0);
    for (const r of UPLOAD_ERRORS) this.uploadErrors.inc({ reason: r }, 0);
    collectDefaultMetrics({ register: this.registry, prefix: 'wflg_capture_process_' });
  }

  stored(n: number): void {
    this.requests.inc({ result: 'stored' }, n);
  }
  refused(reason: Refusal, n = 1): void {
    this.requests.inc({ result: 'refused' }, n);
    this.refusals.inc({ reason }, n);
  }
  aborted(reason: Abort): void {
    this.requests.inc({ result: 'aborted' });
    this.aborts.inc({ reason });
  }
  kinds(counts: Float64Array): void {
    for (let k = 1; k < counts.length; k++) {
      const n = counts[k]!;
      if (n > 0) this.lines.inc({ kind: KIND_NAMES[k] ?? 'blank' }, n);
    }
  }
  rejected(codes: ReadonlyMap<string, number>): void {
    for (const [code, n] of codes) this.rejects.inc({ code }, n);
  }
  uploadError(reason: UploadError): void {
    this.uploadErrors.inc({ reason });
  }
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
