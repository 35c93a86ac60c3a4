// Reads a part back the way recovery needs it: every frame verified (checksum and size), damage
// located, the request records of the good frames counted and the valid prefix checksummed, all
// in one pass and bounded memory by reading the file in windows rather than whole.
import { open } from 'node:fs/promises';
import { records } from '../lib/capture-format.js';
import { native, type FrameProblem } from '../lib/native.js';
import { crc32c } from '../lib/store/crc.js';
import { Classifier, newCounts } from './classify.js';
import { emptyStats, type BatchStats } from './protocol.js';

export interface PartScan {
  readonly size: number;
  /** End of the valid prefix: everything after it is a torn or damaged tail. */
  readonly validEnd: number;
  readonly frames: number;
  /** Damaged frames followed by good ones (absolute offsets); readers skip them. */
  readonly corrupt: FrameProblem[];
  readonly tail: FrameProblem | null;
  /** CRC32C of the bytes before validEnd: the part as it is kept and uploaded. */
  readonly crc32c: number;
  readonly stats: BatchStats;
}

const WINDOW = 8 << 20;

export async function scanPart(path: string, classifier: Classifier): Promise<PartScan> {
  const addon = native();
  const max = addon.maxFrameContentLen();
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const stats = emptyStats();
    const counts = newCounts();
    const corrupt: FrameProblem[] = [];
    let frames = 0;
    let off = 0;
    let window = WINDOW;
    let tail: FrameProblem | null = null;
    let crc = 0;
    let buf = Buffer.allocUnsafe(Math.min(window, size));
    while (off < size) {
      const len = Math.min(window, size - off);
      if (buf.length < len) buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, off);
      const d = addon.decodeFrames(buf.subarray(0, bytesRead), max);
      const atEof = off + bytesRead >= size;
      // A frame cut by the window edge looks like a torn tail: read on from the last good frame,
      // or widen the window when not even one item fits.
      if (!atEof && d.tail && d.validEnd === 0) {
        window *= 2;
        continue;
      }
      const end = !atEof && d.tail ? d.validEnd : bytesRead;
      for (const c of d.corrupt) if (c.offset < end) corrupt.push({ ...c, offset: off + c.offset });
      for (let f = 0; f + 1 < d.contentOffsets.length; f++) {
        if ((d.frameOffsets[f] ?? 0) >= end) break;
        frames++;
        const content = d.data.subarray(d.contentOffsets[f], d.contentOffsets[f + 1]);
        stats.rawBytes += content.length;
        for (const rec of records(content)) {
          const h = rec.header;
          stats.requests++;
          stats.lines += h.lines;
          stats.firstArrivalMs = Math.min(stats.firstArrivalMs, h.arrivalMs);
          stats.lastArrivalMs = Math.max(stats.lastArrivalMs, h.arrivalMs);
          stats.maxSeq = Math.max(stats.maxSeq, h.seq);
          classifier.count(rec.body, h.query, counts);
        }
      }
      if (atEof && d.tail) tail = { ...d.tail, offset: off + d.tail.offset };
      const used = atEof ? d.validEnd : end;
      crc = crc32c(buf.subarray(0, used), crc);
      off += used;
      if (atEof) break;
      window = WINDOW;
    }
    stats.rejects = counts.rejects;
    return { size, validEnd: off, frames, corrupt, tail, crc32c: crc, stats };
  } finally {
    await fh.close();
  }
}
