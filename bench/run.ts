// `npm run bench [-- --quick] [-- --json FILE] [-- --only a,b]`: every benchmark against its
// same-run baseline. Prints each figure and writes them all as JSON for perf-ci.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fmt, type BenchCase, type Figure } from './figures.js';
import { captureBench } from './capture.bench.js';
import { framesBench } from './frames.bench.js';
import { generateBench } from './generate.bench.js';
import { sinkBench } from './sink.bench.js';
import { parseBench } from './parse.bench.js';
import { profileBench } from './profile.bench.js';
import { xdsPushBench } from './xds-push.bench.js';

type Baseline = NonNullable<Figure['baseline']>;
const figure =
  (higherIsBetter: boolean) =>
  (id: string, label: string, value: number, unit: string, baseline?: Baseline): Figure => ({
    id,
    label,
    value,
    unit,
    higherIsBetter,
    ...(baseline ? { baseline } : {}),
  });
const up = figure(true);
const down = figure(false);
const base = (label: string, value: number, unit: string): Baseline => ({ label, value, unit });

const CASES: BenchCase[] = [
  {
    id: 'parse',
    title: 'native parse + classify + family id vs plain JS',
    quick: true,
    run: async ({ quick }) => {
      const p = await parseBench(quick);
      const js = base('plain-JS parser, same input', p.jsMBps, 'MB/s');
      return [
        up('parse.native_mbps', 'native parse via N-API', p.nativeMBps, 'MB/s', js),
        up('parse.ratio_to_js', 'native ÷ plain JS', p.ratio, '×', js),
      ];
    },
  },
  {
    id: 'frames',
    title: 'framed zstd writer vs zstd -3 CLI',
    quick: true,
    run: () => {
      const f = framesBench();
      const cli = base('zstd -3 -T1 CLI, same bytes', f.cliMBps, 'MB/s');
      return Promise.resolve([
        up('frames.writer_mbps', 'frame writer', f.writerMBps, 'MB/s', cli),
        up('frames.speed_vs_zstd', 'frame writer ÷ zstd -3', f.speedVsCli, '×', cli),
        up(
          'frames.ratio_vs_zstd',
          'compression ratio ÷ zstd -3 ratio',
          f.writerRatio / f.cliRatio,
          '×',
          base('zstd -3 ratio', f.cliRatio, '×'),
        ),
      ]);
    },
  },
  {
    id: 'profile',
    title: 'embedded profiler vs parse-only, capture ≥ 10× the corpus',
    quick: false,
    run: async ({ quick }) => {
      const p = await profileBench(quick ? 1 : 10, 1);
      const parse = base('native parse-only, same run', p.parseOnlyMBps, 'MB/s');
      return [
        up(
          'profile.mbps_per_core',
          `profile ×${p.scale}, per core`,
          p.profileMBpsPerCore,
          'MB/s',
          parse,
        ),
        up('profile.ratio_to_parse', 'profile ÷ parse-only', p.ratioToParse, '×', parse),
        down('profile.peak_rss_mb', `peak RSS, ${p.families} families`, p.peakRssMB, 'MB'),
        up('profile.coverage', 'coverage of lines', p.coverage, 'share'),
      ];
    },
  },
  {
    id: 'capture',
    title: 'capture agent: durable ingest vs zstd -3 on the same bodies; ack latency; RSS',
    quick: false,
    run: async () => {
      const c = await captureBench();
      const zstd = base('zstd -3 single core, same bodies', c.zstdMBps, 'MB/s');
      return [
        up(
          'capture.mbps_per_core',
          'durable ingest per core (decoded)',
          c.decodedMBpsPerCore,
          'MB/s',
          zstd,
        ),
        up('capture.ratio_to_zstd', 'ingest per core ÷ zstd -3', c.ratioPerCore, '×', zstd),
        down(
          'capture.ack_p99_ms',
          `ack p99 at half max (${c.halfRateReqPerSec.toFixed(0)} req/s)`,
          c.p99Ms,
          'ms',
        ),
        down('capture.ack_p50_ms', 'ack p50 at half max', c.p50Ms, 'ms'),
        down(
          'capture.ack_p99_poisson_ms',
          `ack p99 at half max, Poisson arrivals (${c.poissonReqPerSec.toFixed(0)} req/s)`,
          c.poissonP99Ms,
          'ms',
        ),
        down('capture.peak_rss_mib', 'agent peak RSS', c.peakRssMiB, 'MiB'),
      ];
    },
  },
  {
    id: 'generate',
    title: 'generator into a loopback sink, realism on, vs a naive prebuilt-string emitter',
    quick: false,
    run: async () => {
      const g = await generateBench();
      const unit = 'M lines/CPU-s';
      const naive = base(
        'naive prebuilt-string emitter, same run',
        g.naiveLinesPerCpuS / 1e6,
        unit,
      );
      return [
        up(
          'generate.mlines_per_core',
          'realistic lines per CPU-second',
          g.realisticLinesPerCpuS / 1e6,
          unit,
          naive,
        ),
        up(
          'generate.cold_mlines_per_core',
          'the same over a 1 M-series universe (identities mostly uncached)',
          g.coldLinesPerCpuS / 1e6,
          unit,
          naive,
        ),
        up('generate.ratio_to_naive', 'realistic ÷ naive emitter', g.ratio, '×', naive),
        down('generate.bytes_per_series', 'memory per active series at 1 M', g.bytesPerSeries, 'B'),
      ];
    },
  },
  {
    id: 'sink',
    title: 'sink (TCP, native parse and counting) vs bare parsing',
    quick: false,
    run: async () => {
      const s = await sinkBench();
      const unit = 'M lines/CPU-s';
      const parse = base('bare native parse, same run', s.parseLinesPerCpuS / 1e6, unit);
      return [
        up(
          'sink.mlines_per_core',
          'sink lines per CPU-second',
          s.tcpLinesPerCpuS / 1e6,
          unit,
          parse,
        ),
        up('sink.ratio_to_parse', 'sink ÷ bare parse', s.ratio, '×', parse),
      ];
    },
  },
  {
    id: 'xds',
    title: 'xDS controller: one inventory change to 500 raw ADS streams + 20 grpc-js-xds channels',
    quick: false,
    run: async () => {
      const x = await xdsPushBench(500, 5, 20);
      const one = base('the same change to one ADS stream, p50', x.baselineOneStreamP50Ms, 'ms');
      const n = x.streams + x.grpcChannels;
      return [
        down('xds.push_p99_ms', `new version on each of ${n} streams, p99`, x.allP99Ms, 'ms', one),
        down('xds.push_p50_ms', `new version on each of ${n} streams, p50`, x.allP50Ms, 'ms', one),
        down('xds.raw_p99_ms', `raw ADS streams (${x.streams}), p99`, x.streamP99Ms, 'ms', one),
        down(
          'xds.grpc_p99_ms',
          `grpc-js-xds ACKs (${x.grpcChannels}), p99`,
          x.grpcP99Ms,
          'ms',
          one,
        ),
        down(
          'xds.rss_growth_mib',
          'controller RSS growth, connected + pushed',
          x.rssGrowthMiB,
          'MiB',
        ),
        down(
          'xds.rpc_failures',
          'grpc-js-xds RPCs failed through the changes',
          x.rpcFailed,
          'RPCs',
        ),
        down(
          'xds.noop_responses',
          'responses to 20 unchanged polls',
          x.noopResponses + x.noopGrpcResponses,
          'responses',
        ),
        down(
          'xds.streams_after_close',
          'streams held after every client closed',
          x.streamsAfterClose,
          'streams',
        ),
      ];
    },
  },
];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'string' },
    only: { type: 'string' },
  },
});
const only = values.only?.split(',');
const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform}-${process.arch}`,
};
console.log(
  `machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memGiB} GiB, Node ${machine.node}`,
);
const figures: Figure[] = [];
const failures: Array<{ case: string; error: string }> = [];
const selected = CASES.filter((c) => (only ? only.includes(c.id) : !values.quick || c.quick));
if (selected.length > 1) {
  // Each case in its own process: run one after another in one process, a case inherits the
  // heap and JIT state of those before it (the generator measured 1.59 M lines/CPU-s after the
  // profiler, 2.54 M alone).
  const dir = mkdtempSync(join(tmpdir(), 'wflg-bench-'));
  try {
    for (const c of selected) {
      const json = join(dir, `${c.id}.json`);
      const args = [fileURLToPath(import.meta.url), '--only', c.id, '--json', json];
      if (values.quick) args.push('--quick');
      try {
        execFileSync(process.execPath, args, { stdio: 'inherit' });
      } catch {
        // Its failure is in its JSON; a crash before writing it is recorded below.
      }
      if (!existsSync(json)) {
        failures.push({ case: c.id, error: 'the case exited without results' });
        continue;
      }
      const r = JSON.parse(readFileSync(json, 'utf8')) as {
        figures: Figure[];
        failures: typeof failures;
      };
      figures.push(...r.figures);
      failures.push(...r.failures);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else
  for (const c of selected) {
    console.log(`\n# ${c.id}: ${c.title}`);
    try {
      for (const f of await c.run({ quick: values.quick })) {
        figures.push(f);
        const base = f.baseline
          ? `   (baseline: ${f.baseline.label} ${fmt(f.baseline.value)} ${f.baseline.unit})`
          : '';
        console.log(`  ${f.label.padEnd(44)} ${fmt(f.value).padStart(10)} ${f.unit}${base}`);
      }
    } catch (err) {
      failures.push({ case: c.id, error: String(err) });
      console.log(`  FAILED: ${String(err)}`);
    }
  }
if (values.json)
  writeFileSync(
    values.json,
    JSON.stringify({ machine, quick: values.quick, figures, failures }, null, 2),
  );
process.exitCode = failures.length ? 1 : 0;
