// Reading capture parts back (profiler, replay, compare): find the parts under a store prefix,
// group them into per-writer streams in sequence order, and walk a part's verified request
// records. Damage follows docs/formats/capture-frames.md: corrupt frames are skipped and counted,
// a torn tail ends the part, and no unverified byte is ever returned.
import { records, type CaptureRecord } from './capture-format.js';
import { isWflgError } from './errors.js';
import { native } from './native.js';
import type { ObjectInfo, ObjectStore } from './store/types.js';

export interface PartRef {
  readonly info: ObjectInfo;
  /** Directory plus writer id: records of one stream are in arrival order across its parts. */
  readonly stream: string;
  readonly seq: number;
}

export interface ReadStats {
  parts: number;
  frames: number;
  corruptFrames: number;
  corruptBytes: number;
  tailBytes: number;
  /** Frames whose checksum passed but whose records did not parse (writer bug or foreign file). */
  badRecordFrames: number;
  requests: number;
  storedBytes: number;
}

export function emptyReadStats(): ReadStats {
  return {
    parts: 0,
    frames: 0,
    corruptFrames: 0,
    corruptBytes: 0,
    tailBytes: 0,
    badRecordFrames: 0,
    requests: 0,
    storedBytes: 0,
  };
}

const PART = /(?:^|\/)part-([A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)*?)-(\d+)\.wf\.zst$/;

/** Capture parts under `prefix`, ordered by stream then sequence number. Manifests are not parts. */
export async function listParts(store: ObjectStore, prefix = ''): Promise<PartRef[]> {
  const parts: PartRef[] = [];
  for await (const info of store.list(prefix)) {
    if (!info.name.endsWith('.wf.zst')) continue;
    const m = PART.exec(info.name);
    const dir = info.name.slice(0, info.name.lastIndexOf('/') + 1);
    parts.push(
      m
        ? { info, stream: `${dir}${m[1]!}`, seq: Number(m[2]) }
        : { info, stream: info.name, seq: 0 },
    );
  }
  return parts.sort((a, b) =>
    a.stream === b.stream ? a.seq - b.seq : a.stream < b.stream ? -1 : 1,
  );
}

/** Groups parts into streams (each in sequence order), streams in name order. */
export function streamsOf(parts: readonly PartRef[]): PartRef[][] {
  const byStream = new Map<string, PartRef[]>();
  for (const p of parts) {
    const list = byStream.get(p.stream);
    if (list) list.push(p);
    else byStream.set(p.stream, [p]);
  }
  return [...byStream.values()];
}

/**
 * A decode buffer reused from part to part by one reader that finishes each part's records
 * before it asks for the next part's: a fresh buffer per part costs a page fault per 4 KiB
 * on first touch (a third of decoding's time on 40 MB parts).
 */
export class DecodeScratch {
  buf: Buffer = Buffer.alloc(0);
}

/** Reused buffers grow only this far past the part's own size; a part whose frames claim more
 * is decoded into a fresh buffer, as without scratch (which bounds what lying headers cost). */
const SCRATCH_PER_PART_BYTE = 32;
const SCRATCH_MIN_CAP = 64 << 20;

function decode(part: Uint8Array, maxContentLen: number, scratch?: DecodeScratch) {
  const n = native();
  if (scratch) {
    const cap = Math.max(SCRATCH_MIN_CAP, SCRATCH_PER_PART_BYTE * part.length);
    for (;;) {
      const d = n.decodeFramesInto(part, scratch.buf, maxContentLen);
      if (d.need === 0) return { ...d, data: scratch.buf };
      if (d.need > cap) break;
      scratch.buf = Buffer.allocUnsafe(
        Math.min(cap, Math.max(d.need, Math.ceil(scratch.buf.length * 1.5))),
      );
    }
  }
  return n.decodeFrames(part, maxContentLen);
}

/**
 * The verified request records of one part (its whole bytes). Bodies are views into one decoded
 * buffer: a caller keeping a body beyond the next part must copy it. With `scratch`, that
 * buffer is the scratch's, overwritten by the next part decoded with it.
 */
export function* partRecords(
  part: Uint8Array,
  stats: ReadStats,
  maxContentLen = 256 * 1024 * 1024,
  scratch?: DecodeScratch,
): Generator<CaptureRecord> {
  const d = decode(part, maxContentLen, scratch);
  stats.parts++;
  stats.corruptFrames += d.corrupt.length;
  for (const c of d.corrupt) stats.corruptBytes += c.len;
  if (d.tail) stats.tailBytes += d.tail.len;
  const frames = d.contentOffsets.length - 1;
  stats.frames += frames;
  for (let i = 0; i < frames; i++) {
    const content = d.data.subarray(d.contentOffsets[i], d.contentOffsets[i + 1]);
    // Records are validated before any is yielded, so a bad frame contributes nothing partial.
    let recs: CaptureRecord[];
    try {
      recs = [...records(content)];
    } catch (err) {
      if (!isWflgError(err, 'WFLG_E_CAPTURE_RECORD')) throw err;
      stats.badRecordFrames++;
      continue;
    }
    for (const r of recs) {
      stats.requests++;
      stats.storedBytes += r.body.length;
      yield r;
    }
  }
}
