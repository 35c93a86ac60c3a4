// `npm run bench [-- --quick] [-- --json FILE] [-- --only a,b]`: every benchmark against its
// same-run baseline. Prints each figure and writes them all as JSON for perf-ci.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { fmt, type BenchCase, type Figure } from './figures.js';
import { captureBench } from './capture.bench.js';
import { framesBench } from './frames.bench.js';
import { generateBench } from './generate.bench.js';
import { sinkBench } from './sink.bench.js';
import { parseBench } from './parse.bench.js';
import { profileBench } from './profile.bench.js';

const CASES: BenchCase[] = [
  {
    id: 'parse',
    title: 'native parse + classify + family id vs plain JS',
    quick: true,
    run: async ({ quick }) => {
      const p = await parseBench(quick);
      const js = { label: 'plain-JS parser, same input', value: p.jsMBps, unit: 'MB/s' };
      return [
        {
          id: 'parse.native_mbps',
          label: 'native parse via N-API',
          value: p.nativeMBps,
          unit: 'MB/s',
          higherIsBetter: true,
          baseline: js,
        },
        {
          id: 'parse.ratio_to_js',
          label: 'native ÷ plain JS',
          value: p.ratio,
          unit: '×',
          higherIsBetter: true,
          baseline: js,
        },
      ];
    },
  },
  {
    id: 'frames',
    title: 'framed zstd writer vs zstd -3 CLI',
    quick: true,
    run: () => {
      const f = framesBench();
      const cli = { label: 'zstd -3 -T1 CLI, same bytes', value: f.cliMBps, unit: 'MB/s' };
      return Promise.resolve([
        {
          id: 'frames.writer_mbps',
          label: 'frame writer',
          value: f.writerMBps,
          unit: 'MB/s',
          higherIsBetter: true,
          baseline: cli,
        },
        {
          id: 'frames.speed_vs_zstd',
          label: 'frame writer ÷ zstd -3',
          value: f.speedVsCli,
          unit: '×',
          higherIsBetter: true,
          baseline: cli,
        },
        {
          id: 'frames.ratio_vs_zstd',
          label: 'compression ratio ÷ zstd -3 ratio',
          value: f.writerRatio / f.cliRatio,
          unit: '×',
          higherIsBetter: true,
          baseline: { label: 'zstd -3 ratio', value: f.cliRatio, unit: '×' },
        },
      ]);
    },
  },
  {
    id: 'profile',
    title: 'embedded profiler vs parse-only, capture ≥ 10× the corpus',
    quick: false,
    run: async ({ quick }) => {
      const p = await profileBench(quick ? 1 : 10, 1);
      const parse = { label: 'native parse-only, same run', value: p.parseOnlyMBps, unit: 'MB/s' };
      return [
        {
          id: 'profile.mbps_per_core',
          label: `profile ×${p.scale}, per core`,
          value: p.profileMBpsPerCore,
          unit: 'MB/s',
          higherIsBetter: true,
          baseline: parse,
        },
        {
          id: 'profile.ratio_to_parse',
          label: 'profile ÷ parse-only',
          value: p.ratioToParse,
          unit: '×',
          higherIsBetter: true,
          baseline: parse,
        },
        {
          id: 'profile.peak_rss_mb',
          label: `peak RSS, ${p.families} families`,
          value: p.peakRssMB,
          unit: 'MB',
          higherIsBetter: false,
        },
        {
          id: 'profile.coverage',
          label: 'coverage of lines',
          value: p.coverage,
          unit: 'share',
          higherIsBetter: true,
        },
      ];
    },
  },
  {
    id: 'capture',
    title: 'capture agent: durable ingest vs zstd -3 on the same bodies; ack latency; RSS',
    quick: false,
    run: async () => {
      const c = await captureBench();
      const zstd = { label: 'zstd -3 single core, same bodies', value: c.zstdMBps, unit: 'MB/s' };
      return [
        {
          id: 'capture.mbps_per_core',
          label: 'durable ingest per core (decoded)',
          value: c.decodedMBpsPerCore,
          unit: 'MB/s',
          higherIsBetter: true,
          baseline: zstd,
        },
        {
          id: 'capture.ratio_to_zstd',
          label: 'ingest per core ÷ zstd -3',
          value: c.ratioPerCore,
          unit: '×',
          higherIsBetter: true,
          baseline: zstd,
        },
        {
          id: 'capture.ack_p99_ms',
          label: `ack p99 at half max (${c.halfRateReqPerSec.toFixed(0)} req/s)`,
          value: c.p99Ms,
          unit: 'ms',
          higherIsBetter: false,
        },
        {
          id: 'capture.ack_p50_ms',
          label: 'ack p50 at half max',
          value: c.p50Ms,
          unit: 'ms',
          higherIsBetter: false,
        },
        {
          id: 'capture.peak_rss_mib',
          label: 'agent peak RSS',
          value: c.peakRssMiB,
          unit: 'MiB',
          higherIsBetter: false,
        },
      ];
    },
  },
  {
    id: 'generate',
    title: 'generator into a loopback sink, realism on, vs a naive prebuilt-string emitter',
    quick: false,
    run: async () => {
      const g = await generateBench();
      const naive = {
        label: 'naive prebuilt-string emitter, same run',
        value: g.naiveLinesPerCpuS / 1e6,
        unit: 'M lines/CPU-s',
      };
      return [
        {
          id: 'generate.mlines_per_core',
          label: 'realistic lines per CPU-second',
          value: g.realisticLinesPerCpuS / 1e6,
          unit: 'M lines/CPU-s',
          higherIsBetter: true,
          baseline: naive,
        },
        {
          id: 'generate.ratio_to_naive',
          label: 'realistic ÷ naive emitter',
          value: g.ratio,
          unit: '×',
          higherIsBetter: true,
          baseline: naive,
        },
        {
          id: 'generate.bytes_per_series',
          label: 'memory per active series at 1 M',
          value: g.bytesPerSeries,
          unit: 'B',
          higherIsBetter: false,
        },
      ];
    },
  },
  {
    id: 'sink',
    title: 'sink (TCP, native parse and counting) vs bare parsing',
    quick: false,
    run: async () => {
      const s = await sinkBench();
      const parse = {
        label: 'bare native parse, same run',
        value: s.parseLinesPerCpuS / 1e6,
        unit: 'M lines/CPU-s',
      };
      return [
        {
          id: 'sink.mlines_per_core',
          label: 'sink lines per CPU-second',
          value: s.tcpLinesPerCpuS / 1e6,
          unit: 'M lines/CPU-s',
          higherIsBetter: true,
          baseline: parse,
        },
        {
          id: 'sink.ratio_to_parse',
          label: 'sink ÷ bare parse',
          value: s.ratio,
          unit: '×',
          higherIsBetter: true,
          baseline: parse,
        },
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
for (const c of CASES) {
  if (only ? !only.includes(c.id) : values.quick && !c.quick) continue;
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
