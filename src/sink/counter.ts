// Counts what one parsed batch holds: lines, bytes and rejects by kind, by WF code and by family.
// One native parse per buffer; the loop below reads the column array directly (a few integer
// loads per line) and decodes a string only the first time a family is seen.
import type { NativeColumns } from '../lib/native.js';
import {
  KIND_NAMES,
  LINE_STRIDE,
  ParsedBatch,
  ParserSet,
  SLOT,
  type WavefrontFormat,
} from '../lib/wavefront.js';

// Column offsets as module constants, so the per-line loop does plain indexed loads.
const LS = LINE_STRIDE;
const { lineS: LINE_S, lineE: LINE_E, ksc: KSC, familyHi: FAMILY_HI, familyLo: FAMILY_LO } = SLOT;

/** The proxy's plaintext frame limit (`pushListenerMaxReceivedLength`), research note §1.2. */
export const MAX_LINE_BYTES = 32768;
/** Families tracked one by one; beyond this every new family is counted under `other`. */
export const DEFAULT_MAX_FAMILIES = 20000;

export interface FamilyCount {
  id: string;
  kind: string;
  name: string;
  lines: number;
  bytes: number;
  rejected: number;
}

/** Reject reasons the sink adds to the parser's codes (whole-stream and framing losses). */
export type SinkReject = 'line_too_long' | 'http_on_tcp' | 'unterminated';

export class Counts {
  lines = 0;
  bytes = 0;
  rejected = 0;
  requests = 0;
  /** Bytes lost without reaching the parser (unterminated tails, streams taken for HTTP). */
  lostBytes = 0;
  readonly byKind = new Float64Array(KIND_NAMES.length);
  readonly rejectedByKind = new Float64Array(KIND_NAMES.length);
  /** Key: WF number (300), 1 for a reject without a WF code, or a SinkReject name. */
  readonly byCode = new Map<number | SinkReject, number>();
  readonly families = new Map<number, FamilyCount>();
  otherFamilies: FamilyCount = {
    id: 'other',
    kind: 'mixed',
    name: '',
    lines: 0,
    bytes: 0,
    rejected: 0,
  };
  constructor(readonly maxFamilies = DEFAULT_MAX_FAMILIES) {}

  reject(why: SinkReject, n = 1): void {
    this.rejected += n;
    this.byCode.set(why, (this.byCode.get(why) ?? 0) + n);
  }
}

/** A parser per format (`f=`) with one shared Counts. */
export class LineCounter {
  private readonly parsers: ParserSet;

  constructor(
    readonly counts: Counts,
    maxLineBytes = 0,
  ) {
    this.parsers = new ParserSet(maxLineBytes > 0 ? { maxLineBytes } : {});
  }

  /** Parses and counts `buf` (whole lines); returns the number of non-blank lines in it. */
  count(buf: Buffer, format: WavefrontFormat = 'auto'): number {
    if (buf.length === 0) return 0;
    const cols = this.parsers.get(format).columns(buf);
    return this.tally(buf, cols);
  }

  private tally(buf: Buffer, cols: NativeColumns): number {
    const c = this.counts;
    const l = cols.lines;
    const n = l.length / LS;
    let lines = 0;
    let rejected = 0;
    let lastKey = -1;
    let fam: FamilyCount = c.otherFamilies;
    for (let i = 0; i < n; i++) {
      const o = i * LS;
      const ksc = l[o + KSC]!;
      const kind = ksc & 0xff;
      if (kind === 0) continue;
      lines++;
      c.byKind[kind]!++;
      const code = ksc >>> 16;
      const bytes = l[o + LINE_E]! - l[o + LINE_S]! + 1;
      // 53 bits of the 64-bit family id: a collision needs ~10^8 families, far past the cap.
      const key = l[o + FAMILY_HI]! * 2097152 + (l[o + FAMILY_LO]! >>> 11);
      if (key !== lastKey) {
        fam = c.families.get(key) ?? this.newFamily(buf, cols, i, key);
        lastKey = key;
      }
      fam.lines++;
      fam.bytes += bytes;
      if (code !== 0) {
        rejected++;
        fam.rejected++;
        c.rejectedByKind[kind]!++;
        c.byCode.set(code, (c.byCode.get(code) ?? 0) + 1);
      }
    }
    c.lines += lines;
    c.rejected += rejected;
    return lines;
  }

  private newFamily(buf: Buffer, cols: NativeColumns, i: number, key: number): FamilyCount {
    const c = this.counts;
    if (c.families.size >= c.maxFamilies) return c.otherFamilies;
    const b = new ParsedBatch(buf, cols);
    const f: FamilyCount = {
      id: b.hasFamily(i) ? b.familyId(i) : 'unparsed',
      kind: b.kind(i),
      name: b.hasFamily(i) ? b.name(i).slice(0, 256) : '',
      lines: 0,
      bytes: 0,
      rejected: 0,
    };
    c.families.set(key, f);
    return f;
  }
}
