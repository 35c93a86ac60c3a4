// One input's (part's or file's) partial profile: per-family accumulators plus the request-level
// and global tallies. Built in a worker thread by `scan`, shipped to the main thread as plain
// structured-clonable state, merged there in input order.
import { emptyReadStats, type ReadStats } from '../lib/capture-reader.js';
import { DDSketch, type DDSketchJson } from '../lib/stats/ddsketch.js';
import { hashString32 } from '../lib/rng.js';
import { BucketCounts, type CurveState } from '../lib/stats/intensity.js';
import { InstantWindows, type InstantWindowsState } from './sample.js';
import { FamilyAcc, type FamilyState } from './family-acc.js';
import { RequestSizes } from './request-rates.js';

/** The reader's tallies (the task hands them to partRecords as they are) plus input byte counts. */
export interface ReadCounts extends ReadStats {
  /** Raw bytes of input read (compressed size for parts and .zst files). */
  inputBytes: number;
  /** Decoded bytes of Wavefront text scanned. */
  textBytes: number;
}

export interface TraceSpan {
  s: string;
  p: string;
}

export interface GlobalState {
  lines: number;
  blank: number;
  byKind: number[];
  rejects: Array<[string, number]>;
  lineBytes: DDSketchJson;
  minMs: number;
  maxMs: number;
  read: ReadCounts;
  captured: boolean;
  stored: DDSketchJson;
  gaps: DDSketchJson;
  encodings: Array<[string, number]>;
  /** Per format: lines per request, wire bytes, and the sampled requests with their times. */
  byFormat: Array<[string, DDSketchJson, DDSketchJson, InstantWindowsState]>;
  paths: Array<[string, number]>;
  clients: Array<[string, [number, number]]>;
  clientsOverflow: number;
  mirrorSum: number;
  reqCurve: CurveState;
  reqInst: InstantWindowsState;
  traces: Array<[string, TraceSpan[]]>;
}

export interface PartialState {
  input: string;
  families: FamilyState[];
  global: GlobalState;
}

/** Per-client request/line counts are kept for this many clients; the rest are counted as overflow. */
export const CLIENT_CAP = 4096;
/** Traces kept for structure statistics (bottom-k by a hash of the trace id). */
export const TRACE_CAP = 2048;

export class GlobalAcc {
  lines = 0;
  blank = 0;
  readonly byKind = new Array<number>(11).fill(0);
  readonly rejects = new Map<string, number>();
  /** Sizes of the lines no family holds (rejects, kinds without one); the families' own are
   * merged in when the global recipe is built (run.ts), which spares the scan a
   * second sketch add for every line. */
  readonly lineBytes = new DDSketch();
  minMs = Infinity;
  maxMs = -Infinity;
  read: ReadCounts = { ...emptyReadStats(), inputBytes: 0, textBytes: 0 };
  captured = false;
  readonly stored = new DDSketch();
  readonly gaps = new DDSketch();
  readonly encodings = new Map<string, number>();
  /**
   * Per format (a handful: the f= values the parser knows): lines per request, wire bytes, and a
   * sample of requests with their arrival times (sizes by load, request-rates.ts). The request
   * counts per format and the all-format sketches are derived from these (buildGlobal), not kept
   * beside them.
   */
  readonly byFormat = new Map<string, [DDSketch, DDSketch, RequestSizes]>();
  readonly paths = new Map<string, number>();
  readonly clients = new Map<string, [number, number]>();
  clientsOverflow = 0;
  mirrorSum = 0;
  readonly reqCurve = new BucketCounts();
  readonly reqInst = new InstantWindows();
  readonly traces = new Map<string, TraceSpan[]>();

  formatTallies(format: string): [DDSketch, DDSketch, RequestSizes] {
    let s = this.byFormat.get(format);
    if (!s) this.byFormat.set(format, (s = [new DDSketch(), new DDSketch(), new RequestSizes()]));
    return s;
  }

  get requests(): number {
    return this.read.requests;
  }

  state(): GlobalState {
    return {
      lines: this.lines,
      blank: this.blank,
      byKind: [...this.byKind],
      rejects: [...this.rejects],
      lineBytes: this.lineBytes.toJSON(),
      minMs: this.minMs,
      maxMs: this.maxMs,
      read: { ...this.read },
      captured: this.captured,
      stored: this.stored.toJSON(),
      gaps: this.gaps.toJSON(),
      encodings: [...this.encodings],
      byFormat: [...this.byFormat].map(([f, [l, w, r]]) => [
        f,
        l.toJSON(),
        w.toJSON(),
        r.windows.state(),
      ]),
      paths: [...this.paths],
      clients: [...this.clients],
      clientsOverflow: this.clientsOverflow,
      mirrorSum: this.mirrorSum,
      reqCurve: this.reqCurve.state(),
      reqInst: this.reqInst.state(),
      traces: [...this.traces],
    };
  }

  merge(s: GlobalState): this {
    const add = (m: Map<string, number>, kv: Array<[string, number]>) => {
      for (const [k, n] of kv) m.set(k, (m.get(k) ?? 0) + n);
    };
    this.lines += s.lines;
    this.blank += s.blank;
    s.byKind.forEach((n, i) => (this.byKind[i]! += n));
    add(this.rejects, s.rejects);
    this.lineBytes.merge(DDSketch.fromJSON(s.lineBytes));
    this.minMs = Math.min(this.minMs, s.minMs);
    this.maxMs = Math.max(this.maxMs, s.maxMs);
    for (const k of Object.keys(this.read) as Array<keyof ReadCounts>) this.read[k] += s.read[k];
    this.captured ||= s.captured;
    this.stored.merge(DDSketch.fromJSON(s.stored));
    this.gaps.merge(DDSketch.fromJSON(s.gaps));
    add(this.encodings, s.encodings);
    for (const [f, l, w, r] of s.byFormat) {
      const [lines, wire, sizes] = this.formatTallies(f);
      lines.merge(DDSketch.fromJSON(l));
      wire.merge(DDSketch.fromJSON(w));
      sizes.windows.merge(r);
    }
    add(this.paths, s.paths);
    for (const [c, [r, l]] of s.clients) {
      const e = this.clients.get(c);
      if (e) {
        e[0] += r;
        e[1] += l;
      } else if (this.clients.size < CLIENT_CAP) this.clients.set(c, [r, l]);
      else this.clientsOverflow += r;
    }
    this.clientsOverflow += s.clientsOverflow;
    this.mirrorSum += s.mirrorSum;
    this.reqCurve.merge(s.reqCurve);
    this.reqInst.merge(s.reqInst);
    for (const [t, spans] of s.traces) {
      const e = this.traces.get(t);
      if (e) for (const sp of spans) e.push(sp);
      else this.traces.set(t, spans.slice());
    }
    trimTraces(this.traces);
    return this;
  }
}

/** Keeps the TRACE_CAP traces with the smallest id hash (a uniform, mergeable sample). */
export function trimTraces(traces: Map<string, TraceSpan[]>): void {
  if (traces.size <= TRACE_CAP) return;
  // Each id hashed once, not once per comparison.
  const ranked = [...traces.keys()]
    .map((id) => [traceRank(id), id] as const)
    .sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
  for (const [, id] of ranked.slice(TRACE_CAP)) traces.delete(id);
}

export function traceRank(id: string): number {
  return hashString32(id, 0x7ace);
}

export class PartialAcc {
  readonly families = new Map<string, FamilyAcc>();
  readonly global = new GlobalAcc();

  constructor(
    readonly input: string,
    readonly seriesCap = 1024,
    readonly instantCap = 8192,
  ) {}

  state(): PartialState {
    const ids = [...this.families.keys()].sort();
    return {
      input: this.input,
      families: ids.map((id) => this.families.get(id)!.state()),
      global: this.global.state(),
    };
  }
}
