// `wflg replay`: sends captured requests to a target as they arrived, scaled by --speed.
import { optionsHelp, loadConfig, type Spec } from '../lib/config.js';
import { replay, type ReplayReport } from '../replay/replay.js';
import { onStopSignal, type Io } from './io.js';

const SPEC = {
  capture: {
    type: 'url',
    schemes: ['file', 'gs'],
    required: true,
    help: 'capture root or prefix (file:///… or gs://bucket/prefix)',
  },
  target: {
    type: 'url',
    schemes: ['http', 'https', 'tcp'],
    required: true,
    help: 'http(s)://host:port[/path] or tcp://host:2878',
  },
  speed: {
    type: 'number',
    min: 0.001,
    max: 10000,
    default: 1,
    help: 'time compression: 2 = twice as fast',
  },
  loop: {
    type: 'bool',
    default: false,
    help: 'start over at the end (timestamps keep moving forward)',
  },
  restamp: { type: 'bool', default: false, help: 'move timestamps so the capture looks current' },
  maxInFlight: {
    type: 'int',
    min: 1,
    max: 4096,
    default: 64,
    help: 'requests in flight before due sends wait (and count late)',
  },
  lateMs: {
    type: 'number',
    min: 0,
    default: 10,
    help: 'a send this far behind plan counts as late',
  },
  duration: { type: 'seconds', min: 0, help: 'stop after this long (wall time)' },
  maxRequests: { type: 'int', min: 1, help: 'stop after this many requests' },
  mirror: {
    type: 'url',
    schemes: ['http', 'https', 'tcp'],
    help: 'also send every request here, fire-and-forget (a built-in stand-in for Envoy request mirroring)',
  },
  token: { type: 'string', env: 'WFLG_TARGET_TOKEN', help: 'bearer token for direct ingestion' },
  gcsEndpoint: {
    type: 'url',
    schemes: ['http', 'https'],
    env: 'WFLG_GCS_ENDPOINT',
    help: 'GCS API endpoint override (emulators)',
  },
  json: { type: 'bool', default: false, help: 'print the final report as JSON' },
} as const satisfies Spec;

export const REPLAY_HELP = `Usage: wflg replay --capture URL --target URL [options]

Replays capture parts verbatim: request boundaries, bodies, encodings and inter-arrival times
(scaled by --speed), against a plan computed from absolute time; late sends are counted.

Options:
${optionsHelp(SPEC)}`;

function summary(r: ReplayReport): string {
  const ok = Object.entries(r.statuses)
    .filter(([s]) => s.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);
  return (
    `replayed ${r.requests} requests (${r.lines} lines, ${r.bodyBytes} bytes) of ${r.capturedSeconds.toFixed(1)} s captured ` +
    `in ${r.elapsedSeconds.toFixed(1)} s (plan ${r.plannedSeconds.toFixed(1)} s)\n` +
    `  responses: ${JSON.stringify(r.statuses)} (${ok} ok)` +
    (Object.keys(r.mirrorStatuses).length ? `; mirror: ${JSON.stringify(r.mirrorStatuses)}` : '') +
    '\n' +
    `  late sends (> plan + threshold): ${r.late}; send lag p50 ${r.lagMs.p50.toFixed(2)} ms p99 ${r.lagMs.p99.toFixed(2)} ms\n` +
    `  latency from due time p50 ${r.latencyMs.p50.toFixed(2)} ms p99 ${r.latencyMs.p99.toFixed(2)} ms\n` +
    `  restamped lines ${r.restampedLines}; parts ${r.read.parts}, corrupt frames ${r.read.corruptFrames}, torn tail bytes ${r.read.tailBytes}\n`
  );
}

export async function replayCommand(argv: string[], io: Io, env = process.env): Promise<number> {
  const { config, help } = loadConfig(SPEC, argv, env);
  if (help) {
    io.out(REPLAY_HELP + '\n');
    return 0;
  }
  const ac = new AbortController();
  const release = onStopSignal(() => ac.abort());
  try {
    const report = await replay({
      ...config,
      durationSeconds: config.duration,
      signal: ac.signal,
      onProgress: config.json
        ? undefined
        : (r) => io.err(`replay: ${r.requests} requests, ${r.late} late\n`),
    });
    io.out(config.json ? JSON.stringify(report) + '\n' : summary(report));
    return Object.keys(report.statuses).some((s) => !s.startsWith('2')) ? 1 : 0;
  } finally {
    release();
  }
}
