// The hot loop: one native parse per body (or per plain-file batch), then one pass over the
// column arrays. Strings are decoded only when a series enters the tracked sample, for spans, and
// for rejects' codes — never per ordinary line — so the per-line work is a few typed-array reads,
// two map lookups and sketch increments.
import { key53 } from '../lib/stats/cardinality.js';
import type { NativeColumns } from '../lib/native.js';
import {
  Kind,
  LINE_STRIDE,
  NUM_STRIDE,
  ParsedBatch,
  SLOT,
  type WavefrontParser,
} from '../lib/wavefront.js';
import { FamilyAcc, MAX_DECIMALS } from './family-acc.js';
import { TRACE_CAP, trimTraces, type PartialAcc } from './partial.js';
import type { SeriesRec } from './series.js';

/** Span tags that are trace structure or proxy-added, not identity (DESIGN §2.2; the parser's
 * family key leaves out the same). */
const SPAN_NOT_IDENTITY: ReadonlySet<string> = new Set(['parent', 'followsFrom', '_spanLogs']);

// Column offsets as module constants, so the per-line loop does plain indexed loads.
const LS = LINE_STRIDE;
const NS = NUM_STRIDE;
const {
  ksc: KSC,
  familyHi: FAM_HI,
  familyLo: FAM_LO,
  auxFirst: AUX_FIRST,
  auxCount: AUX_COUNT,
  misc: MISC,
  seriesHi: SER_HI,
  seriesLo: SER_LO,
} = SLOT;

export interface TimeCarry {
  /** Plain files: the last timestamp seen, used for lines without one. */
  lastTs: number;
}

/**
 * Scans one buffer of Wavefront lines. `arrivalMs` is the request's arrival (captures: the time
 * axis); without it the lines' own timestamps are the axis, carried forward over lines lacking one.
 */
export function scanText(
  acc: PartialAcc,
  buf: Buffer,
  parser: WavefrontParser,
  arrivalMs: number | undefined,
  carry: TimeCarry,
  famCache: Map<number, FamilyAcc>,
): void {
  const cols: NativeColumns = parser.columns(buf);
  const L = cols.lines;
  const nums = cols.nums;
  const aux = cols.aux;
  const n = L.length / LS;
  const g = acc.global;
  let view: ParsedBatch | undefined;
  const strings = (): ParsedBatch => (view ??= new ParsedBatch(buf, cols));
  g.read.textBytes += buf.length;
  let lastHi = -1;
  let lastLo = -1;
  let lastFam: FamilyAcc | undefined;
  for (let i = 0; i < n; i++) {
    const o = i * LS;
    const ksc = L[o + KSC]!;
    const kind = ksc & 0xff;
    const stage = (ksc >>> 8) & 0xff;
    const len = L[o + 1]! - L[o]!;
    if (kind === Kind.blank && stage === 0) {
      g.blank++;
      continue;
    }
    g.lines++;
    g.byKind[kind]!++;
    const famHi = L[o + FAM_HI]!;
    const famLo = L[o + FAM_LO]!;
    const fkey = famHi === 0 && famLo === 0 ? -1 : key53(famHi, famLo);
    if (stage !== 0) {
      g.lineBytes.add(len);
      const rk = rejectKey(ksc >>> 8);
      g.rejects.set(rk, (g.rejects.get(rk) ?? 0) + 1);
      const f = fkey < 0 ? undefined : famCache.get(fkey);
      if (f) f.rejects.set(rk, (f.rejects.get(rk) ?? 0) + 1);
      continue;
    }
    if (fkey < 0) {
      g.lineBytes.add(len);
      continue;
    }
    // Consecutive lines share a family more often than not (58 % in the public corpus): one
    // comparison saves the map lookup on a 53-bit key.
    let fam = famHi === lastHi && famLo === lastLo ? lastFam : famCache.get(fkey);
    if (!fam) {
      const b = strings();
      const id = b.familyId(i);
      fam = acc.families.get(id);
      if (!fam) {
        const keys = new Set<string>();
        for (const [k] of b.tags(i)) keys.add(k);
        if (kind === Kind.span) for (const k of SPAN_NOT_IDENTITY) keys.delete(k);
        const tagKeys = [...keys].sort((a, c) => Buffer.compare(Buffer.from(a), Buffer.from(c)));
        fam = new FamilyAcc(
          { id, kindCode: kind, name: b.name(i), tagKeys },
          acc.seriesCap,
          acc.instantCap,
        );
        acc.families.set(id, fam);
      }
      famCache.set(fkey, fam);
    }
    lastHi = famHi;
    lastLo = famLo;
    lastFam = fam;
    const tsRaw = nums[i * NS + 1]!;
    const hasTs = !Number.isNaN(tsRaw);
    if (hasTs) carry.lastTs = tsRaw;
    const t = arrivalMs ?? carry.lastTs;
    if (t < g.minMs) g.minMs = t;
    if (t > g.maxMs) g.maxMs = t;
    fam.lines++;
    fam.bytes += len;
    fam.sk.lineBytes.add(len);
    if (t < fam.firstMs) fam.firstMs = t;
    if (t > fam.lastMs) fam.lastMs = t;
    fam.curve.add(t);
    if (t !== fam.lastInstant) {
      fam.closeInstant();
      fam.lastInstant = t;
      fam.instants++;
      fam.inst.add(t);
      fam.instHour.add(t);
    }
    // Clumps only on the arrival axis: on line timestamps an "instant" is a whole second.
    if (arrivalMs !== undefined) fam.clump++;
    if (hasTs) {
      fam.tsPresent++;
      fam.tsUnits[L[o + MISC]! & 0xff]!++;
      fam.noteTimestamp(tsRaw);
      if (arrivalMs !== undefined) fam.sk.lag.add(arrivalMs - tsRaw);
    }
    const valued = kind === Kind.metric || kind === Kind.delta;
    const v = nums[i * NS]!;
    if (valued) fam.addValue(v, L[o + MISC]! >>> 24);
    else if (kind === Kind.span) scanSpan(acc, fam, strings(), i, nums[i * NS + 2]!);
    else if (kind >= Kind.histogram_m && kind <= Kind.histogram_d) {
      const first = L[o + AUX_FIRST]!;
      const cnt = L[o + AUX_COUNT]!;
      fam.sk.centroidsPerLine.add(cnt);
      let total = 0;
      for (let j = first; j < first + cnt; j++) {
        const c = aux[2 * j]!;
        total += c;
        fam.sk.centroidCount.add(c);
        fam.sk.centroidMean.add(aux[2 * j + 1]!);
      }
      fam.sk.totalCount.add(total);
      // How the means are written sets the line's length (`91.0` against `27.71428571`), and
      // the parser keeps the doubles only: read the digits off the text, for a sample of lines
      // (every line of a family's first 1024, then one in 16) — it is a second pass over bytes.
      if (fam.lines <= 1024 || (fam.lines & 15) === 0) {
        const d = centroidMeanDecimals(buf, L[o]!, L[o + 1]!);
        if (d >= 0) fam.decimals[Math.min(d, MAX_DECIMALS + 1)]!++;
      }
    }
    // Series: every line feeds the distinct count; only sampled series keep a history.
    const sHi = L[o + SER_HI]!;
    const sLo = L[o + SER_LO]!;
    fam.hll.add64(sHi, sLo);
    const skey = key53(sHi, sLo);
    if (!fam.series.admits(skey)) continue;
    let r = fam.series.get(skey);
    if (!r) {
      r = newSeries(skey, strings(), i, t);
      fam.series.insert(r);
    }
    const tsv = hasTs ? tsRaw : t;
    if (r.n > 0) {
      const gap = tsv - r.lastTs;
      if (gap >= 0) fam.sk.interval.add(gap / 1000);
      if (Math.floor(tsv / 1000) === Math.floor(r.lastTs / 1000)) r.collisions++;
      if (valued && Number.isFinite(v) && Number.isFinite(r.prev)) {
        const d = v - r.prev;
        if (kind === Kind.metric) fam.sk.steps.add(d);
        if (d < 0) r.decreases++;
        r.sxy += v * r.prev;
        r.pairs++;
        r.pairSums += v + r.prev;
      }
    } else r.firstV = v;
    if (valued && kind === Kind.delta) fam.sk.steps.add(v);
    r.n++;
    if (valued && Number.isFinite(v)) {
      r.nf++;
      r.sx += v;
      r.sxx += v * v;
    }
    r.prev = v;
    r.lastTs = tsv;
    if (t < r.first) r.first = t;
    if (t > r.last) r.last = t;
  }
}

/**
 * The `code|stage` key of the reject tallies, built once per (code, stage) rather than per
 * rejected line; the parser's codes are a short fixed catalogue, so the cache stays small.
 */
const REJECT_KEYS = new Map<number, string>();
function rejectKey(codeStage: number): string {
  let k = REJECT_KEYS.get(codeStage);
  if (k === undefined) {
    const code = codeStage >>> 8;
    k = `${code === 1 ? 'n/a' : `WF-${code}`}|${codeStage & 0xff}`;
    REJECT_KEYS.set(codeStage, k);
  }
  return k;
}

function newSeries(key: number, b: ParsedBatch, i: number, t: number): SeriesRec {
  return {
    key,
    first: t,
    last: t,
    n: 0,
    lastTs: NaN,
    collisions: 0,
    prev: NaN,
    firstV: NaN,
    nf: 0,
    pairs: 0,
    pairSums: 0,
    sx: 0,
    sxx: 0,
    sxy: 0,
    decreases: 0,
    source: b.source(i) ?? '',
    tags: b.tags(i).filter(([k]) => !SPAN_NOT_IDENTITY.has(k)),
    quoting: b.quoting(i),
  };
}

function scanSpan(acc: PartialAcc, fam: FamilyAcc, b: ParsedBatch, i: number, durMs: number): void {
  fam.sk.duration.add(durMs);
  let parent = '';
  for (const [k, v] of b.tags(i)) {
    if (k === 'parent') parent = v;
    else if (k === '_spanLogs') fam.spanLogs++;
    else if (k !== 'followsFrom') fam.annotations.set(k, (fam.annotations.get(k) ?? 0) + 1);
  }
  if (!parent) fam.spanRoots++;
  const trace = b.traceId(i);
  if (!trace) return;
  const traces = acc.global.traces;
  const spans = traces.get(trace);
  const span = { s: b.spanId(i) ?? '', p: parent };
  if (spans) spans.push(span);
  else {
    traces.set(trace, [span]);
    if (traces.size > 2 * TRACE_CAP) trimTraces(traces);
  }
}

const SP = 32;
const TAB = 9;
const HASH = 35;
const DOT = 46;

/**
 * The digits after the point of a histogram line's centroid means (`#count mean` pairs after the
 * `!M` and the optional timestamp), averaged over its centroids and rounded; −1 when the line has
 * none. The name after the centroids ends the scan, so tags (which may hold `#`) are never read.
 */
export function centroidMeanDecimals(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let sum = 0;
  let n = 0;
  let mean = false;
  while (i < end) {
    while (i < end && (buf[i] === SP || buf[i] === TAB)) i++;
    const t = i;
    while (i < end && buf[i] !== SP && buf[i] !== TAB) i++;
    if (i === t) break;
    if (mean) {
      let k = t;
      while (k < i && buf[k] !== DOT) k++;
      let d = 0;
      for (k++; k < i && buf[k]! >= 48 && buf[k]! <= 57; k++) d++;
      sum += d;
      n++;
      mean = false;
    } else if (buf[t] === HASH) mean = true;
    else if (n > 0) break;
  }
  return n > 0 ? Math.round(sum / n) : -1;
}
