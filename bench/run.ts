// `npm run bench`: every benchmark against its same-run baseline; prints the figures and the
// ratios the DESIGN targets are stated in, and writes them as JSON for perf-ci.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { framesBench } from './frames.bench.js';
import { parseBench } from './parse.bench.js';
import { generateBench } from './generate.bench.js';
import { sinkBench } from './sink.bench.js';

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
const parse = await parseBench();
const frames = framesBench();
const generate = await generateBench();
const sink = await sinkBench();
const targets = [
  [
    'native parse >= 1000 MB/s per core',
    parse.nativeMBps >= 1000,
    `${parse.nativeMBps.toFixed(0)} MB/s`,
  ],
  ['native parse >= 10x plain JS', parse.ratio >= 10, `${parse.ratio.toFixed(1)}x`],
  [
    'frame writer >= 80% of zstd -3',
    frames.speedVsCli >= 0.8,
    `${(frames.speedVsCli * 100).toFixed(0)}%`,
  ],
  [
    'frame writer ratio within 2% of zstd -3',
    frames.writerRatio >= frames.cliRatio * 0.98,
    `${frames.writerRatio.toFixed(2)} vs ${frames.cliRatio.toFixed(2)}`,
  ],
  [
    'generator >= 2 M realistic lines/s per core into a loopback sink',
    generate.realisticLinesPerCpuS >= 2e6,
    `${(generate.realisticLinesPerCpuS / 1e6).toFixed(2)} M/s (naive emitter ${(generate.naiveLinesPerCpuS / 1e6).toFixed(2)} M/s)`,
  ],
  [
    'generator <= 64 B per active series at 1 M',
    generate.bytesPerSeries <= 64,
    `${generate.bytesPerSeries.toFixed(1)} B`,
  ],
  [
    'sink adds < 10% over bare parsing',
    sink.ratio >= 0.9,
    `${(sink.tcpLinesPerCpuS / 1e6).toFixed(2)} M lines/s, ${sink.ratio.toFixed(2)}x of parse`,
  ],
] as const;
console.log('\ntargets:');
for (const [name, ok, fig] of targets) console.log(`  ${ok ? 'MET ' : 'MISS'} ${name}: ${fig}`);
const out = process.argv[2];
if (out) writeFileSync(out, JSON.stringify({ machine, parse, frames, generate, sink }, null, 2));
