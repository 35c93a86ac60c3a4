// Generator throughput and memory. Realistic synthesis (recipes with tags, gauges, histograms, the
// seeded plan, one-point-per-second bookkeeping) into a loopback TCP sink in another process,
// against a naive emitter in the same run: prebuilt per-series strings with only the value and
// timestamp concatenated per line, as a plain Node emitter would do. Figures are lines per CPU
// second of this process (so the sink's core does not count), and bytes of generator state per
// active series at 1 M series.
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { compileFamily } from '../src/generator/model.js';
import { Out } from '../src/generator/out.js';
import { Planner, SLOT_MS } from '../src/generator/plan.js';
import { Rng } from '../src/lib/rng.js';
import { DEFAULT_SCENARIO } from '../src/generator/scenario.js';
import { FamilySynth } from '../src/generator/synth.js';
import { CacheBudget, DEFAULT_IDENTITY_CACHE_BYTES, TagCache } from '../src/generator/tag-cache.js';
import { fullGc } from './gc.js';
import { packageRoot } from '../src/lib/native-loader.js';
import { BENCH_KEYS, recipe } from '../test/generator/recipes.js';

export interface GenerateFigures {
  realisticLinesPerCpuS: number;
  /** The same synthesis over a universe of 1 M series, far past what the identity cache holds. */
  coldLinesPerCpuS: number;
  naiveLinesPerCpuS: number;
  ratio: number;
  bytesPerSeries: number;
}

const KEYS = {
  ...BENCH_KEYS,
  region: [
    ['us-east-1', 10],
    ['us-west-2', 6],
    ['eu-west-1', 4],
    ['ap-south-1', 1],
  ] as Array<[string, number]>,
};
const SOURCES = Array.from(
  { length: 200 },
  (_, i) => [`host-${i.toString().padStart(4, '0')}.prod.example.com`, 200 - i] as [string, number],
);

async function startSink(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [join(packageRoot(), 'dist', 'src', 'cli', 'bin.js'), 'sink', '--listen', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const first = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
  const info = JSON.parse(first.value as string) as { tcpPort: number };
  return { port: info.tcpPort, stop: () => child.kill('SIGTERM') };
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
  });
}

async function pump(
  sock: Socket,
  seconds: number,
  fill: () => [Buffer, number],
): Promise<{ lines: number; cpuS: number }> {
  const cpu0 = process.cpuUsage();
  const end = Date.now() + seconds * 1000;
  let lines = 0;
  while (Date.now() < end) {
    const [b, n] = fill();
    lines += n;
    if (!sock.write(b)) await new Promise((r) => sock.once('drain', r));
  }
  const c = process.cpuUsage(cpu0);
  return { lines, cpuS: (c.user + c.system) / 1e6 };
}

export async function generateBench(seconds = 5): Promise<GenerateFigures> {
  const models = [
    compileFamily(
      recipe({
        name: 'system.cpu.load.avg',
        rate: 4000,
        series: 20000,
        keys: KEYS,
        sources: SOURCES,
      }),
    ),
    compileFamily(
      recipe({
        name: 'http.server.requests.count',
        rate: 4000,
        series: 20000,
        keys: KEYS,
        sources: SOURCES,
        hawkes: { branching: 0.3, beta: 5 },
      }),
    ),
    compileFamily(
      recipe({
        name: 'http.latency',
        kind: 'histogram_m',
        rate: 500,
        series: 2000,
        keys: KEYS,
        sources: SOURCES,
      }),
    ),
  ];
  // 1×: the universe stays the recipes' (42 000 series); plan time simply runs ahead of wall time.
  // The worker's default identity-cache budget, as `wflg generate` runs it.
  const fill = (fams: ReturnType<typeof compileFamily>[]): (() => [Buffer, number]) => {
    const planner = new Planner(fams, DEFAULT_SCENARIO, 1, 0, 1, 1732233600000);
    const budget = new CacheBudget(DEFAULT_IDENTITY_CACHE_BYTES);
    const synths = fams.map((m) => new FamilySynth(m, 0, 1, new TagCache(budget)));
    const rng = new Rng(1, 2);
    const out = new Out(1 << 20);
    let t = 1732233600000;
    return () => {
      while (out.pos < (1 << 20) - 64 * 1024) {
        const mult = planner.draw(t);
        for (let i = 0; i < fams.length; i++) {
          synths[i]!.setUniverse(Math.round(fams[i]!.seriesCount * mult));
          const n = planner.counts[i]!;
          if (n > 0) out.lines += synths[i]!.emit(out, n, t, rng, 0, 0);
        }
        t += SLOT_MS;
      }
      const n = out.lines;
      return [out.take(), n];
    };
  };
  const realistic = fill(models);
  // Cold: the same families, each over 1/3 of a 1 M-series universe, so nearly every line is a
  // series whose identity is not cached and is drawn from the alias tables again. The universe is
  // `series.count` (what the generator sizes it from), not `totals.series`.
  const cold = (): (() => [Buffer, number]) =>
    fill(
      models.map((m) =>
        compileFamily({
          ...m.recipe,
          series: { ...m.recipe.series, count: 333_334 },
        }),
      ),
    );
  // Naive: one prebuilt string per series; per line only value and timestamp are concatenated.
  const series = Array.from(
    { length: 20000 },
    (_, i) => ` source=host-${i % 200} env=prod region=us-east-1 role=web`,
  );
  let k = 0;
  const naive = (): [Buffer, number] => {
    let s = '';
    const ts = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 8000; i++)
      s += `system.cpu.load.avg ${(Math.random() * 100).toFixed(2)} ${ts}${series[k++ % series.length]!}\n`;
    return [Buffer.from(s, 'latin1'), 8000];
  };
  const sink = await startSink();
  try {
    const sock = await open(sink.port);
    realistic();
    naive();
    const a = await pump(sock, seconds, realistic);
    const b = await pump(sock, seconds, naive);
    // Built only now: its million identities must not weigh on the figures measured before it.
    const coldFill = cold();
    coldFill();
    const c = await pump(sock, seconds, coldFill);
    sock.end();
    // Memory: state of 1 M active series in one family (typed arrays, identity table).
    const m = compileFamily(
      recipe({ name: 'mem.probe', rate: 1, series: 1000, keys: KEYS, sources: SOURCES }),
    );
    fullGc();
    const before = process.memoryUsage();
    const syn = new FamilySynth(
      m,
      0,
      1,
      new TagCache(new CacheBudget(DEFAULT_IDENTITY_CACHE_BYTES)),
    );
    syn.setUniverse(1_000_000);
    // Every series sends once, so the figure holds what sending keeps (the identity cache too).
    const probe = new Out(1 << 20);
    const probeRng = new Rng(3);
    for (let sent = 0; sent < 1_000_000; probe.pos = 0)
      sent += syn.emit(probe, 1_000_000 - sent, 1732233600000, probeRng, 0, 0);
    fullGc();
    const after = process.memoryUsage();
    const bytes =
      after.arrayBuffers - before.arrayBuffers + Math.max(0, after.heapUsed - before.heapUsed);
    const f: GenerateFigures = {
      realisticLinesPerCpuS: a.lines / a.cpuS,
      coldLinesPerCpuS: c.lines / c.cpuS,
      naiveLinesPerCpuS: b.lines / b.cpuS,
      ratio: a.lines / a.cpuS / (b.lines / b.cpuS),
      bytesPerSeries: bytes / 1e6,
    };
    console.log(
      `generate: realistic ${(f.realisticLinesPerCpuS / 1e6).toFixed(2)} M lines/CPU-s ` +
        `(1 M-series universe: ${(f.coldLinesPerCpuS / 1e6).toFixed(2)}), naive ${(f.naiveLinesPerCpuS / 1e6).toFixed(2)} M lines/CPU-s ` +
        `(ratio ${f.ratio.toFixed(2)}), ${f.bytesPerSeries.toFixed(1)} B per active series at 1 M (${syn.activeSeries} active)`,
    );
    return f;
  } finally {
    sink.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  await generateBench(Number(process.argv[2] ?? 5));
