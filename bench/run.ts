// `npm run bench`: every benchmark against its same-run baseline; prints the figures and the
// ratios the DESIGN targets are stated in, and writes them as JSON for perf-ci.
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { captureBench } from './capture.bench.js';
import { framesBench } from './frames.bench.js';
import { parseBench } from './parse.bench.js';

const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version };
console.log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);
const parse = await parseBench();
const frames = framesBench();
const capture = await captureBench();
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
    'capture ingest >= 60% of zstd -3 per core',
    capture.ratioPerCore >= 0.6,
    `${(capture.ratioPerCore * 100).toFixed(0)}% (${capture.decodedMBpsPerCore.toFixed(0)} vs ${capture.zstdMBps.toFixed(0)} MB/s)`,
  ],
  [
    'capture ack p99 < 10 ms at half of max rate',
    capture.p99Ms < 10,
    `${capture.p99Ms.toFixed(2)} ms at ${capture.halfRateReqPerSec.toFixed(0)} req/s`,
  ],
  ['capture peak RSS < 512 MiB', capture.peakRssMiB < 512, `${capture.peakRssMiB.toFixed(0)} MiB`],
] as const;
console.log('\ntargets:');
for (const [name, ok, fig] of targets) console.log(`  ${ok ? 'MET ' : 'MISS'} ${name}: ${fig}`);
const out = process.argv[2];
if (out) writeFileSync(out, JSON.stringify({ machine, parse, frames, capture }, null, 2));
