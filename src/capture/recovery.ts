// Start-up recovery, before /ready: the open part is cut back to its last verified frame (a torn
// tail was never acknowledged) and sealed; sealed parts are re-read for their manifest figures and
// queued for upload (a persisted upload session resumes inside the store). Every step is idempotent,
// so a crash during recovery just means recovery runs again.
import { copyFile, open, readdir, rename, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Classifier } from './classify.js';
import { fsyncDir } from '../lib/store/durable.js';
import { parsePartFile, saveWriterState, type Dirs, type WriterState } from './layout.js';
import type { CaptureMetrics } from './metrics.js';
import { scanPart, type PartScan } from './part-scan.js';
import type { SealedPart } from './wal.js';

export interface RecoveryReport {
  readonly sealed: SealedPart[];
  readonly truncatedBytes: number;
  readonly corruptFrames: number;
  readonly dropped: string[];
}

async function quarantine(
  dirs: Dirs,
  path: string,
  file: string,
  offset: number,
  len: number,
): Promise<void> {
  const src = await open(path, 'r');
  const buf = Buffer.alloc(Math.min(len, 64 << 20));
  try {
    await src.read(buf, 0, buf.length, offset);
  } finally {
    await src.close();
  }
  const dst = await open(join(dirs.quarantine, `${file}@${offset}.bad`), 'w');
  try {
    await dst.writeFile(buf);
    await dst.sync();
  } finally {
    await dst.close();
  }
  await fsyncDir(dirs.quarantine);
}

/** Damage that is not a torn write of unacknowledged bytes is copied aside before anything else. */
async function setAside(
  dirs: Dirs,
  path: string,
  file: string,
  scan: PartScan,
  metrics: CaptureMetrics,
): Promise<number> {
  let corrupt = 0;
  for (const c of scan.corrupt) {
    await quarantine(dirs, path, file, c.offset, c.len);
    corrupt++;
  }
  const t = scan.tail;
  if (t) {
    const torn = t.code === 'WFLG_E_FRAME_TRUNCATED' || t.reason === 'zero_fill';
    if (torn) metrics.tornTailBytes.inc(scan.size - scan.validEnd);
    else {
      await quarantine(dirs, path, file, t.offset, scan.size - t.offset);
      corrupt++;
    }
  }
  metrics.corruptFrames.inc(corrupt);
  return corrupt;
}

export async function recover(
  dirs: Dirs,
  state: WriterState,
  metrics: CaptureMetrics,
): Promise<RecoveryReport> {
  const classifier = new Classifier();
  const report: RecoveryReport = { sealed: [], truncatedBytes: 0, corruptFrames: 0, dropped: [] };
  const mutable = report as { truncatedBytes: number; corruptFrames: number };
  const bump = (seq: number, maxReq: number): void => {
    state.nextPartSeq = Math.max(state.nextPartSeq, seq + 1);
    state.nextRequestSeq = Math.max(state.nextRequestSeq, maxReq + 1);
  };
  const scanned = new Map<string, PartScan>();
  for (const name of (await readdir(dirs.open)).sort()) {
    const id = parsePartFile(name);
    const path = join(dirs.open, name);
    if (!id?.open) continue;
    const file = name.slice(0, -'.open'.length);
    const scan = await scanPart(path, classifier);
    mutable.corruptFrames += await setAside(dirs, path, file, scan, metrics);
    bump(id.seq, scan.stats.maxSeq);
    if (scan.validEnd < scan.size) {
      await truncate(path, scan.validEnd);
      const fh = await open(path, 'r+');
      await fh.sync();
      await fh.close();
      mutable.truncatedBytes += scan.size - scan.validEnd;
    }
    if (scan.stats.requests === 0) {
      await unlink(path);
      await fsyncDir(dirs.open);
      report.dropped.push(file);
      continue;
    }
    await rename(path, join(dirs.sealed, file));
    await fsyncDir(dirs.sealed);
    await fsyncDir(dirs.open);
    metrics.partsSealed.inc();
    scanned.set(file, { ...scan, size: scan.validEnd, tail: null, corrupt: [] });
  }
  for (const name of (await readdir(dirs.sealed)).sort()) {
    const id = parsePartFile(name);
    if (!id || id.open) continue;
    const path = join(dirs.sealed, name);
    const scan = scanned.get(name) ?? (await scanPart(path, classifier));
    bump(id.seq, scan.stats.maxSeq);
    if (scan.tail) {
      // A sealed part was fsynced whole: a bad tail is damage of acknowledged data. Keep a copy,
      // keep the verified prefix, and ship that.
      mutable.corruptFrames += await setAside(dirs, path, name, scan, metrics);
      await copyFile(path, join(dirs.quarantine, `${name}.whole`));
      await truncate(path, scan.validEnd);
    } else if (scan.corrupt.length > 0) {
      mutable.corruptFrames += await setAside(dirs, path, name, scan, metrics);
    }
    if (scan.stats.requests === 0) {
      await rename(path, join(dirs.quarantine, name));
      await fsyncDir(dirs.quarantine);
      await fsyncDir(dirs.sealed);
      metrics.partsQuarantined.inc();
      continue;
    }
    report.sealed.push({
      seq: id.seq,
      writer: id.writer,
      path,
      file: name,
      size: scan.validEnd,
      crc32c: scan.crc32c,
      stats: scan.stats,
      countsSettled: Promise.resolve(),
    });
  }
  await saveWriterState(dirs.root, state);
  return report;
}
