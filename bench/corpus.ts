// Benchmark inputs, built once per run from the bundled real-data corpus.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/lib/native-loader.js';

export const CORPUS_PATH = join(packageRoot(), 'fixtures', 'corpus', 'public-telemetry.wf.zst');

let cached: Buffer | undefined;

/** The decompressed corpus (38.5 MB, 350,915 lines), via the `zstd` CLI. */
export function corpus(): Buffer {
  cached ??= execFileSync('zstd', ['-dc', CORPUS_PATH], { maxBuffer: 1 << 30 });
  return cached;
}

/** A whole-line prefix of about `bytes` bytes. */
export function slice(buf: Buffer, bytes: number): Buffer {
  if (bytes >= buf.length) return buf;
  return buf.subarray(0, buf.indexOf(10, bytes) + 1);
}

export function countLines(buf: Buffer): number {
  let n = 0;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}
