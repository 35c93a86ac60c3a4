// The framed zstd writer (1 MiB frames, level 3, content checksums) against the `zstd -3` CLI
// on the same bytes, both single-threaded, timed in the same run. The CLI's time includes its
// process start (~a few ms), so a second, in-memory CLI figure (`zstd -b3`) is also reported.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { native } from '../src/lib/native.js';
import { corpus } from './corpus.js';

export interface FrameFigures {
  writerMBps: number;
  writerRatio: number;
  cliMBps: number;
  cliRatio: number;
  cliInMemoryMBps: number;
  speedVsCli: number;
  speedVsCliInMemory: number;
}

const FRAME = 1 << 20;

function best(runs: number, f: () => void): number {
  let t = Infinity;
  for (let i = 0; i < runs; i++) {
    const s = process.hrtime.bigint();
    f();
    t = Math.min(t, Number(process.hrtime.bigint() - s) / 1e9);
  }
  return t;
}

export function framesBench(): FrameFigures {
  const data = corpus();
  const addon = native();
  const enc = new addon.FrameEncoder(3);
  const out = Buffer.allocUnsafe(addon.frameBound(FRAME) * Math.ceil(data.length / FRAME) + 64);
  let written = 0;
  const tw = best(5, () => {
    written = 0;
    for (let o = 0; o < data.length; o += FRAME) {
      written += enc.encodeInto(data.subarray(o, Math.min(o + FRAME, data.length)), out, written);
    }
  });
  const file = join(mkdtempSync(join(tmpdir(), 'wflg-bench-')), 'corpus.wf');
  writeFileSync(file, data);
  let cliBytes = 0;
  const tc = best(5, () => {
    cliBytes = execFileSync('zstd', ['-3', '-T1', '-c', file], { maxBuffer: 1 << 30 }).length;
  });
  // `zstd -b3` prints "... (ratio), speed MB/s, ..." for in-memory compression of the file.
  const b = execFileSync('zstd', ['-b3', '-i3', '-T1', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const m = /,\s*([\d.]+)\s*MB\/s/.exec(b);
  const cliInMemoryMBps = m ? Number(m[1]) : NaN;
  const mb = data.length / 1e6;
  const f: FrameFigures = {
    writerMBps: mb / tw,
    writerRatio: data.length / written,
    cliMBps: mb / tc,
    cliRatio: data.length / cliBytes,
    cliInMemoryMBps,
    speedVsCli: tc / tw,
    speedVsCliInMemory: mb / tw / cliInMemoryMBps,
  };
  console.log(
    `frame writer ${f.writerMBps.toFixed(0)} MB/s ratio ${f.writerRatio.toFixed(2)}; ` +
      `zstd -3 CLI ${f.cliMBps.toFixed(0)} MB/s ratio ${f.cliRatio.toFixed(2)} ` +
      `(in-memory ${f.cliInMemoryMBps.toFixed(0)} MB/s); speed ${(f.speedVsCli * 100).toFixed(0)}% of CLI, ` +
      `${(f.speedVsCliInMemory * 100).toFixed(0)}% of CLI in-memory`,
  );
  return f;
}
