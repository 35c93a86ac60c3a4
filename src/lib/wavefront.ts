// Typed view over the native batch parser. One native call parses a whole buffer; strings are
// decoded lazily from offsets, only for the lines and fields a caller asks about.
import { createHash } from 'node:crypto';
import { WflgError } from './errors.js';
import { native, type NativeColumns, type NativeWavefrontParser } from './native.js';

/** Line kinds; numbering is the native contract (native/core/src/model.rs `Kind`). */
export const Kind = {
  blank: 0,
  metric: 1,
  delta: 2,
  histogram_m: 3,
  histogram_h: 4,
  histogram_d: 5,
  span: 6,
  span_logs: 7,
  event: 8,
  source_tag: 9,
  logs: 10,
} as const;
export type KindName = keyof typeof Kind;
export const KIND_NAMES = Object.keys(Kind) as KindName[];

export const STAGE_NAMES = ['ok', 'parse', 'filter', 'validate', 'discard', 'frame'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const FORMATS = ['auto', 'wavefront', 'histogram', 'trace', 'spanLogs', 'event'] as const;
export type WavefrontFormat = (typeof FORMATS)[number];
export const LIMIT_SETS = ['proxy-defaults', 'saas-defaults'] as const;
export type LimitSet = (typeof LIMIT_SETS)[number];

export interface ParseOptions {
  format?: WavefrontFormat;
  limits?: LimitSet;
  /** Receiving clock for the proxy's time window (WF-402); absent: no window. */
  nowMs?: number;
  customSourceTags?: string[];
  maxLineBytes?: number;
  /** 2878 (default: spans naming no source fail, as the host annotator makes them) | trace-port */
  listener?: '2878' | 'trace-port';
}

// Column layout, mirrored from native/core/src/batch.rs (`slot`, strides): the one TS copy of
// the native contract. Hot loops elsewhere (profiler scan, sink counter) read the typed arrays
// directly and take their offsets from here.
export const LINE_STRIDE = 26;
export const TAG_STRIDE = 5;
export const NUM_STRIDE = 3;
const LS = LINE_STRIDE;
const TS = TAG_STRIDE;
const NS = NUM_STRIDE;
export const SLOT = {
  lineS: 0,
  lineE: 1,
  ksc: 2,
  nameS: 4,
  nameE: 5,
  sourceS: 6,
  sourceE: 7,
  tokf: 8,
  tagsFirst: 9,
  tagsCount: 10,
  auxFirst: 11,
  auxCount: 12,
  familyHi: 13,
  familyLo: 14,
  tsS: 15,
  tsE: 16,
  traceS: 19,
  traceE: 20,
  spanS: 21,
  spanE: 22,
  misc: 23,
  seriesHi: 24,
  seriesLo: 25,
} as const;
const S = SLOT;
/** `misc >>> 24`: decimals the sender printed in a metric's value; this when it did not write
 * plain decimal digits (native/core/src/batch.rs `NO_DECIMALS`). */
export const NO_DECIMALS = 255;
/** Timestamp units by native code (native/core/src/num.rs `Unit`). */
const TS_UNITS = ['none', 's', 'ms', 'us', 'ns'] as const;
export type TimestampUnit = (typeof TS_UNITS)[number];
const TAG_UNDERSCORE = 1;
const TAG_TRUNCATED = 2;
const TAG_SYNTHETIC = 4;
/** Span tag values over this many UTF-16 units are cut by the proxy (both limit sets use 128). */
const SPAN_VALUE_LIMIT = 128;

/** The proxy's name of a native code number. */
export function codeName(c: number): string {
  return c === 0 ? 'ok' : c === 1 ? 'n/a' : `WF-${c}`;
}

// Token flag nibble: bit0 escaped, bits1-2 quote (0 bare, 1 ", 2 '), bit3 present.
function quoteOf(nibble: number): number {
  return (nibble >> 1) & 3;
}

function hex32(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** Result of one batch: columns plus the input they point into. */
export class ParsedBatch {
  readonly length: number;
  private readonly lines: Uint32Array;
  private readonly tagCols: Uint32Array;
  private readonly nums: Float64Array;
  private readonly aux: Float64Array;

  constructor(
    readonly input: Buffer,
    cols: NativeColumns,
  ) {
    this.lines = cols.lines;
    this.tagCols = cols.tags;
    this.nums = cols.nums;
    this.aux = cols.aux;
    this.length = cols.lines.length / LS;
  }

  private u(i: number, slot: number): number {
    return this.lines[i * LS + slot] ?? 0;
  }

  kindCode(i: number): number {
    return this.u(i, S.ksc) & 0xff;
  }
  kind(i: number): KindName {
    return KIND_NAMES[this.kindCode(i)] ?? 'blank';
  }
  stageCode(i: number): number {
    return (this.u(i, S.ksc) >>> 8) & 0xff;
  }
  stage(i: number): StageName {
    return STAGE_NAMES[this.stageCode(i)] ?? 'parse';
  }
  ok(i: number): boolean {
    return this.stageCode(i) === 0;
  }
  /** 0 accepted, 1 rejected without a WF code, else the WF number (300 = WF-300). */
  codeNumber(i: number): number {
    return this.u(i, S.ksc) >>> 16;
  }
  code(i: number): string {
    return codeName(this.codeNumber(i));
  }
  /** Byte range of the trimmed line in `input`. */
  lineStart(i: number): number {
    return this.u(i, S.lineS);
  }
  lineEnd(i: number): number {
    return this.u(i, S.lineE);
  }
  lineText(i: number): string {
    return this.input.toString('utf8', this.lineStart(i), this.lineEnd(i));
  }

  private tok(s: number, e: number, nibble: number): string | undefined {
    if ((nibble & 8) === 0) return undefined;
    const raw = this.input.toString('utf8', s, e);
    if ((nibble & 1) === 0) return raw;
    // Only quoted tokens carry escapes.
    const q = quoteOf(nibble) === 2 ? "'" : '"';
    return raw.replaceAll(`\\${q}`, q);
  }
  private tokAt(i: number, sSlot: number, eSlot: number, shift: number): string | undefined {
    return this.tok(this.u(i, sSlot), this.u(i, eSlot), (this.u(i, S.tokf) >>> shift) & 0xf);
  }

  name(i: number): string {
    return this.tokAt(i, S.nameS, S.nameE, 0) ?? '';
  }
  /** The resolved source, or undefined when none was supplied. */
  source(i: number): string | undefined {
    return this.tokAt(i, S.sourceS, S.sourceE, 4);
  }
  value(i: number): number {
    return this.nums[i * NS] ?? NaN;
  }
  /** Timestamp in ms (histograms: floored to the bin; spans: start); undefined when absent. */
  timestampMs(i: number): number | undefined {
    const v = this.nums[i * NS + 1] ?? NaN;
    return Number.isNaN(v) ? undefined : v;
  }
  /**
   * Where the timestamp token sits in `input` and the unit it was written in (spans: the start
   * token), so a caller can rewrite it in place; undefined when the line has none.
   */
  timestampToken(i: number): { start: number; end: number; unit: TimestampUnit } | undefined {
    const start = this.u(i, S.tsS);
    const end = this.u(i, S.tsE);
    const unit = TS_UNITS[this.u(i, S.misc) & 0xff];
    return end > start && unit !== undefined && unit !== 'none' ? { start, end, unit } : undefined;
  }
  /** Spans: duration in ms. Events: end in ms. */
  durationMs(i: number): number {
    return this.nums[i * NS + 2] ?? NaN;
  }
  familyId(i: number): string {
    return hex32(this.u(i, S.familyHi)) + hex32(this.u(i, S.familyLo));
  }
  hasFamily(i: number): boolean {
    return (this.u(i, S.familyHi) | this.u(i, S.familyLo)) !== 0;
  }
  /** Stable 64-bit series hash as hex (family, source and tag values). */
  seriesId(i: number): string {
    return hex32(this.u(i, S.seriesHi)) + hex32(this.u(i, S.seriesLo));
  }
  traceId(i: number): string | undefined {
    return this.tokAt(i, S.traceS, S.traceE, 16);
  }
  spanId(i: number): string | undefined {
    return this.tokAt(i, S.spanS, S.spanE, 20);
  }
  /** Point tags as the proxy forwards them (renamed keys, span tags in order, repeats kept). */
  tags(i: number): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    const first = this.u(i, S.tagsFirst);
    const n = this.u(i, S.tagsCount);
    const t = this.tagCols;
    for (let j = first; j < first + n; j++) {
      const o = j * TS;
      const flags = t[o + 4] ?? 0;
      if (flags & TAG_SYNTHETIC) {
        out.push(['_spanLogs', 'true']);
        continue;
      }
      const k = this.tok(t[o] ?? 0, t[o + 1] ?? 0, (flags >>> 8) & 0xf) ?? '';
      let v = this.tok(t[o + 2] ?? 0, t[o + 3] ?? 0, (flags >>> 12) & 0xf) ?? '';
      if (flags & TAG_TRUNCATED) v = v.slice(0, SPAN_VALUE_LIMIT);
      out.push([flags & TAG_UNDERSCORE ? `_${k}` : k, v]);
    }
    return out;
  }
  /**
   * How the line's tokens were written: [name quoted, source quoted (-1 without a source token),
   * tags, tags with a quoted key, tags with a quoted value]. Synthetic tags are not counted.
   */
  quoting(i: number): [number, number, number, number, number] {
    const tokf = this.u(i, S.tokf);
    const quoted = (nibble: number): number => (quoteOf(nibble) ? 1 : 0);
    const src = (tokf >>> 4) & 0xf;
    let tags = 0;
    let keys = 0;
    let values = 0;
    const first = this.u(i, S.tagsFirst);
    const t = this.tagCols;
    for (let j = first; j < first + this.u(i, S.tagsCount); j++) {
      const flags = t[j * TS + 4] ?? 0;
      if (flags & TAG_SYNTHETIC) continue;
      tags++;
      keys += quoted((flags >>> 8) & 0xf);
      values += quoted((flags >>> 12) & 0xf);
    }
    return [quoted(tokf & 0xf), src & 8 ? quoted(src) : -1, tags, keys, values];
  }
  /** Histogram centroids as [count, mean] pairs in input order. */
  centroids(i: number): Array<[number, number]> {
    const first = this.u(i, S.auxFirst);
    const n = this.u(i, S.auxCount);
    const out: Array<[number, number]> = [];
    for (let j = first; j < first + n; j++)
      out.push([this.aux[2 * j] ?? 0, this.aux[2 * j + 1] ?? 0]);
    return out;
  }
}

/** Column arrays reused from batch to batch, grown by half again whenever one is too small. */
class ReusedColumns {
  lines = new Uint32Array(0);
  tags = new Uint32Array(0);
  nums = new Float64Array(0);
  aux = new Float64Array(0);
  readonly lens = new Uint32Array(4);

  grow(): void {
    const [l = 0, t = 0, n = 0, a = 0] = this.lens;
    const more = (have: number, need: number) => (need > have ? need + (need >>> 1) : have);
    if (l > this.lines.length) this.lines = new Uint32Array(more(this.lines.length, l));
    if (t > this.tags.length) this.tags = new Uint32Array(more(this.tags.length, t));
    if (n > this.nums.length) this.nums = new Float64Array(more(this.nums.length, n));
    if (a > this.aux.length) this.aux = new Float64Array(more(this.aux.length, a));
  }

  view(): NativeColumns {
    const [l = 0, t = 0, n = 0, a = 0] = this.lens;
    return {
      lines: this.lines.subarray(0, l),
      tags: this.tags.subarray(0, t),
      nums: this.nums.subarray(0, n),
      aux: this.aux.subarray(0, a),
    };
  }
}

/** Lines of one batch by kind code, and rejected lines by code. */
export interface LineCounts {
  /** Index = kind code (`KIND_NAMES`); blank lines at 0. Overwritten by the next count. */
  readonly kinds: Float64Array;
  /** Rejected lines by code ('WF-300', 'n/a'), blank lines never among them. */
  readonly rejects: ReadonlyArray<readonly [code: string, lines: number]>;
}

/** A parser with validated, fixed options; keeps its family cache across batches. */
export class WavefrontParser {
  private readonly inner: NativeWavefrontParser;
  private reused: ReusedColumns | undefined;
  private counted: { kinds: Float64Array; pairs: Float64Array } | undefined;

  constructor(options: ParseOptions = {}) {
    try {
      this.inner = new (native().WavefrontParser)(options);
    } catch (err) {
      throw asUsage(err);
    }
  }

  parse(input: Buffer): ParsedBatch {
    return new ParsedBatch(input, this.inner.parse(input));
  }

  /** The raw columns, for hot loops that read the typed arrays by `SLOT` offsets themselves.
   * They are views of arrays this parser reuses: valid until its next `columns` call. */
  columns(input: Uint8Array): NativeColumns {
    const r = (this.reused ??= new ReusedColumns());
    if (!this.inner.parseInto(input, r.lines, r.tags, r.nums, r.aux, r.lens)) {
      r.grow();
      if (!this.inner.copyLast(r.lines, r.tags, r.nums, r.aux))
        throw new Error('native parser: grown columns still too small');
    }
    return r.view();
  }

  /** Counts `input`'s lines by kind and reject code, without columns or family ids. */
  count(input: Uint8Array): LineCounts {
    const c = (this.counted ??= {
      kinds: new Float64Array(KIND_NAMES.length),
      pairs: new Float64Array(16),
    });
    const codes = this.inner.count(input, c.kinds, c.pairs);
    if (2 * codes > c.pairs.length) {
      c.pairs = new Float64Array(4 * codes);
      this.inner.copyRejects(c.pairs);
    }
    const rejects: Array<readonly [string, number]> = [];
    for (let j = 0; j < codes; j++)
      rejects.push([codeName(c.pairs[2 * j] ?? 0), c.pairs[2 * j + 1] ?? 0]);
    return { kinds: c.kinds, rejects };
  }

  /** NDJSON, one object per input line in the shared vectors' `expect` form, and the number of
   * rejected lines. */
  describe(input: Buffer): { ndjson: Buffer; rejected: number } {
    return this.inner.describe(input);
  }
}

/** One parser per line format, created on first use, all with the same other options. */
export class ParserSet {
  private readonly byFormat = new Map<WavefrontFormat, WavefrontParser>();

  constructor(private readonly base: Omit<ParseOptions, 'format'> = {}) {}

  get(format: WavefrontFormat): WavefrontParser {
    let p = this.byFormat.get(format);
    if (!p) this.byFormat.set(format, (p = new WavefrontParser({ ...this.base, format })));
    return p;
  }
}

// The proxy's `f=` values that select a line format; anything else is parsed per line (auto).
const F_PARAM: Readonly<Record<string, WavefrontFormat>> = {
  wavefront: 'wavefront',
  graphite_v2: 'wavefront',
  histogram: 'histogram',
  trace: 'trace',
  spanLogs: 'spanLogs',
  event: 'event',
};

/** The line format a request's `f=` value selects, as the proxy maps it. */
export function formatOfParam(f: string | null | undefined): WavefrontFormat {
  return (f && Object.hasOwn(F_PARAM, f) ? F_PARAM[f] : undefined) ?? 'auto';
}

/** The line format a query string (without '?') selects. */
export function formatOfQuery(query: string): WavefrontFormat {
  return query === '' ? 'auto' : formatOfParam(new URLSearchParams(query).get('f'));
}

function asUsage(err: unknown): unknown {
  if (err instanceof Error && err.message.startsWith('WFLG_E_USAGE: ')) {
    return new WflgError('WFLG_E_USAGE', err.message.slice(14), undefined, { cause: err });
  }
  return err;
}

/**
 * family_id of a family key (DESIGN §2.2): the first 16 hex chars of SHA-256. Computed here with
 * node:crypto, independently of the native core, so tests can hold the two against each other.
 */
export function familyIdOfKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 16);
}

/** family_key of (kind, name, keys): keys sorted by UTF-8 bytes and deduplicated. */
export function familyKey(kind: KindName, name: string, keys: Iterable<string>): string {
  const sorted = [...new Set(keys)].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return [kind, name, ...sorted].join('\u001f');
}
