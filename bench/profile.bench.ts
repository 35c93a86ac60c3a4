// Embedded-profiler throughput and memory against the native parser's parse-only speed, in the
// same run, on a capture scaled to ≥ 10× the public corpus: the corpus's lines re-timed into
// capture parts of #wflg1 requests (`scale` copies, each shifted in time and with its series
// renamed per copy, so series grow with the scale while families stay the same — memory must
// follow families, not lines).
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeHeader } from '../src/lib/capture-format.js';
import { native } from '../src/lib/native.js';
import { WavefrontParser } from '../src/lib/wavefront.js';
import { profile, SAMPLE_DEFAULTS } from '../src/profiler/run.js';
import { corpus } from './corpus.js';

export interface ProfileFigures {
  scale: number;
  rawMB: number;
  parts: number;
  families: number;
  parseOnlyMBps: number;
  profileMBpsPerCore: number;
  ratioToParse: number;
  seconds: number;
  workers: number;
  peakRssMB: number;
  rssGrowthMB: number;
  coverage: number;
}

const LINES_PER_REQUEST = 500;
const REQUESTS_PER_FRAME = 64;

/** Writes `scale` copies of the corpus as capture parts; returns raw (decoded) bytes written. */
function buildCapture(dir: string, scale: number): { raw: number; parts: number } {
  const text = corpus();
  const lines = text.toString('utf8').split('\n').filter(Boolean);
  const enc = new (native().FrameEncoder)(3);
  let raw = 0;
  let parts = 0;
  let t = 1_795_000_000_000;
  for (let c = 0; c < scale; c++) {
    const d = join(dir, 'capture', 'dt=2026-11-22', 'mig=bench', `host-${c % 4}`);
    mkdirSync(d, { recursive: true });
    const frames: Buffer[] = [];
    let frame: Buffer[] = [];
    let seq = 0;
    for (let i = 0; i < lines.length; i += LINES_PER_REQUEST) {
      // Copy c: sources renamed so each copy adds series; families (names, keys) unchanged.
      const body = Buffer.from(
        lines
          .slice(i, i + LINES_PER_REQUEST)
          .map((l) => l.replace(/source=([^ ]+)/, `source=$1-c${c}`))
          .join('\n') + '\n',
      );
      t += 5 + (i % 37);
      const head = encodeHeader({
        arrivalMs: t,
        wireBytes: Math.round(body.length / 6),
        encoding: 'gzip',
        storedBytes: body.length,
        lines: Math.min(LINES_PER_REQUEST, lines.length - i),
        path: '/report',
        query: 'f=wavefront',
        client: `00000000000000${(i % 256).toString(16).padStart(2, '0')}`,
        mirrorFraction: 1,
        seq: seq++,
      });
      frame.push(Buffer.from(head), body);
      raw += body.length;
      if (frame.length >= 2 * REQUESTS_PER_FRAME) {
        frames.push(enc.encode(Buffer.concat(frame)));
        frame = [];
      }
    }
    if (frame.length) frames.push(enc.encode(Buffer.concat(frame)));
    writeFileSync(join(d, `part-w${c}-000000.wf.zst`), Buffer.concat(frames));
    parts++;
  }
  return { raw, parts };
}

function parseOnlyMBps(): number {
  const input = corpus();
  const p = new WavefrontParser();
  p.columns(input);
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < 2000) {
    p.columns(input);
    n++;
  }
  return (n * input.length) / 1e6 / ((performance.now() - t0) / 1000);
}

export async function profileBench(scale = 10, workers = 1): Promise<ProfileFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-bench-profile-'));
  try {
    // Built in a child process: the corpus copies it holds would otherwise be this process's
    // peak RSS, hiding the profiler's own.
    const { raw, parts } = JSON.parse(
      execFileSync(
        process.execPath,
        [fileURLToPath(import.meta.url), '--build', dir, String(scale)],
        {
          encoding: 'utf8',
          maxBuffer: 1 << 20,
        },
      ),
    ) as { raw: number; parts: number };
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const t0 = performance.now();
    const r = await profile({
      input: join(dir, 'capture'),
      output: join(dir, 'out'),
      workers,
      k: 5,
      hashNames: false,
      salt: '',
      format: 'auto',
      ...SAMPLE_DEFAULTS,
      version: 'bench',
    });
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().rss);
    // After the profile, so its column arrays are not counted in the profiler's memory.
    const parse = parseOnlyMBps();
    const cores = Math.max(1, workers);
    const f: ProfileFigures = {
      scale,
      rawMB: raw / 1e6,
      parts,
      families: r.recipes.length,
      parseOnlyMBps: parse,
      profileMBpsPerCore: raw / 1e6 / seconds / cores,
      ratioToParse: raw / 1e6 / seconds / cores / parse,
      seconds,
      workers,
      peakRssMB: peak / 1e6,
      rssGrowthMB: (peak - rss0) / 1e6,
      coverage: r.global.totals.coverage,
    };
    console.log(
      `profile ×${scale} (${f.rawMB.toFixed(0)} MB raw, ${parts} parts, ${f.families} families, ${workers} worker(s)): ` +
        `${f.profileMBpsPerCore.toFixed(1)} MB/s per core = ${(100 * f.ratioToParse).toFixed(1)} % of parse-only ` +
        `${f.parseOnlyMBps.toFixed(0)} MB/s; peak RSS ${f.peakRssMB.toFixed(0)} MB (+${f.rssGrowthMB.toFixed(0)} MB); coverage ${f.coverage}`,
    );
    return f;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/bench/profile.bench.js [scale] [workers]` runs it alone.
if (process.argv[1]?.endsWith('profile.bench.js') && process.argv[2] === '--build') {
  console.log(JSON.stringify(buildCapture(process.argv[3]!, Number(process.argv[4]))));
} else if (process.argv[1]?.endsWith('profile.bench.js')) {
  const scale = Number(process.argv[2] ?? 10);
  const workers = Number(process.argv[3] ?? 1);
  await profileBench(scale, workers);
}
