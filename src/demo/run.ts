// The end-to-end demonstration, on 127.0.0.1 with ephemeral ports: real traffic mirrored into the
// capture agent, profiled into recipes, regenerated at 2×, and compared. Every role is the real
// `wflg` command in its own process; Envoy and the xDS controller do the mirroring when Envoy is
// installed (scripts/setup-envoy.sh), otherwise `wflg replay --mirror` stands in, and says so.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WflgError } from '../lib/errors.js';
import { packageRoot } from '../lib/native-loader.js';
import { decodeZstd } from '../lib/input.js';
import { ensureEnvoy, startEnvoy, type Envoy } from './envoy.js';
import { portOf, runWflg, startRole, stopAll, type Role } from './procs.js';
import { buildSample, DEMO_SLICE, type Sample } from './sample.js';
import type { Env } from '../lib/config.js';

export interface DemoOptions {
  readonly dir: string;
  /** Wall seconds the two-hour sample is replayed in, and the generation time. */
  readonly replaySeconds: number;
  readonly generateSeconds: number;
  readonly multiplier: number;
  /** 'auto': Envoy when it can be installed; 'off': the built-in mirroring replay. */
  readonly envoy: 'auto' | 'off';
  readonly env: Env;
  readonly say: (line: string) => void;
}

export interface DemoResult {
  readonly dir: string;
  readonly mirroring: 'envoy' | 'replay';
  readonly sample: Sample;
  readonly replayed: { lines: number; requests: number; ok: number; seconds: number };
  readonly captured: { parts: number; lines: number };
  readonly generated: { lines: number; seconds: number; ratePerS: number; replayRatePerS: number };
  readonly compareExit: number;
  readonly table: string;
  readonly paths: {
    recipes: string;
    qaReport: string;
    fidelityReport: string;
    fidelityJson: string;
  };
}

interface SinkStats {
  lines: number;
}

async function sinkLines(sink: Role): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${portOf(sink)}/v1/stats?families=0`);
  return ((await r.json()) as SinkStats).lines;
}

function decompressedCorpus(): Buffer {
  const file = join(packageRoot(), 'fixtures', 'corpus', 'public-telemetry.wf.zst');
  return decodeZstd(readFileSync(file), 256 * 1024 * 1024, file);
}

/** Mirroring through a real Envoy whose clusters come from `wflg xds` (static inventory). */
async function envoyMirror(
  o: DemoOptions,
  sinkPort: number,
  capturePort: number,
): Promise<{ envoy: Envoy; xds: Role }> {
  const bin = ensureEnvoy(o.env);
  const hosts = join(o.dir, 'xds-hosts.yaml');
  writeFileSync(
    hosts,
    [
      'clusters:',
      '  collector_cluster:',
      `    - { address: 127.0.0.1, port: ${sinkPort}, zone: local-a, name: sink }`,
      '  capture_cluster:',
      `    - { address: 127.0.0.1, port: ${capturePort}, zone: local-a, name: capture }`,
      '',
    ].join('\n'),
  );
  const xds = await startRole('xds', [
    'xds',
    '--listen',
    '127.0.0.1:0',
    '--admin',
    '127.0.0.1:0',
    '--static-file',
    hosts,
    '--capture-enabled',
    '100',
  ]);
  const envoy = await startEnvoy(bin, portOf(xds), 'wflg-demo');
  // Envoy starts with capture.enabled = 0 until RTDS arrives; wait until the mirror is live.
  for (let i = 0; i < 200; i++) {
    const runtime = await envoy.adminJson<{ entries?: Record<string, { final_value?: string }> }>(
      '/runtime',
    );
    const clusters = await envoy.admin('/clusters');
    if (
      runtime.entries?.['capture.enabled']?.final_value === '100' &&
      clusters.includes(`127.0.0.1:${capturePort}`)
    )
      return { envoy, xds };
    await sleep(50);
  }
  throw new WflgError(
    'WFLG_E_INTERNAL',
    `Envoy did not receive its clusters and capture.enabled from wflg xds:\n${envoy.log()}`,
  );
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const say = o.say;
  const p = (...parts: string[]) => join(o.dir, ...parts);
  mkdirSync(o.dir, { recursive: true });
  let envoy: Envoy | undefined;
  try {
    say(
      `1/6 sample: a ${DEMO_SLICE.windowSeconds / 3600} h slice of the public corpus (fixtures/corpus/README.md), compressed into ${o.replaySeconds} s`,
    );
    const sample = buildSample({
      corpus: decompressedCorpus(),
      ...DEMO_SLICE,
      replaySeconds: o.replaySeconds,
      dir: p('sample'),
    });
    say(
      `    ${sample.lines} lines in ${sample.requests} requests (arrival times real; batching modelled, see src/demo/sample.ts)`,
    );

    say(
      '2/6 roles: sink (primary collector), capture agent' +
        (o.envoy === 'off' ? '' : ', Envoy + wflg xds'),
    );
    const sink = await startRole('sink', [
      'sink',
      '--listen',
      '127.0.0.1:0',
      '--tcp',
      '127.0.0.1:0',
    ]);
    const capture = await startRole('capture', [
      'capture',
      '--listen',
      '127.0.0.1:0',
      '--data-dir',
      p('capture-wal'),
      '--store',
      `file://${p('store')}`,
      '--mig',
      'demo',
      '--instance',
      'demo-1',
      '--threads',
      '1',
      '--rotate-seconds',
      '10',
    ]);
    let target = `http://127.0.0.1:${portOf(sink)}`;
    let mirror: string | undefined = `http://127.0.0.1:${portOf(capture)}`;
    let mirroring: 'envoy' | 'replay' = 'replay';
    if (o.envoy === 'auto') {
      try {
        const m = await envoyMirror(o, portOf(sink), portOf(capture));
        envoy = m.envoy;
        target = `http://127.0.0.1:${envoy.port}`;
        mirror = undefined;
        mirroring = 'envoy';
        say(
          `    Envoy ${envoy.port} → sink ${portOf(sink)}, mirror → capture ${portOf(capture)} (capture.enabled = 100 via RTDS)`,
        );
      } catch (err) {
        say(
          `    no Envoy (${(err as Error).message.split('\n')[0]}): using the built-in mirroring replay instead`,
        );
      }
    }
    if (mirroring === 'replay')
      say(
        '    built-in mirroring: wflg replay sends each request to the sink and, fire-and-forget, to the capture agent',
      );

    say(`3/6 replay: ${sample.requests} requests through the mirror, timestamps restamped to now`);
    const rep = await runWflg(
      [
        'replay',
        '--capture',
        `file://${p('sample')}`,
        '--target',
        target,
        ...(mirror ? ['--mirror', mirror] : []),
        '--restamp',
        '--json',
        '--max-in-flight',
        '16',
      ],
      [0, 1],
    );
    const r = JSON.parse(rep.stdout) as {
      requests: number;
      lines: number;
      statuses: Record<string, number>;
      elapsedSeconds: number;
    };
    const ok = Object.entries(r.statuses)
      .filter(([s]) => s.startsWith('2'))
      .reduce((a, [, n]) => a + n, 0);
    const replayLines = await sinkLines(sink);
    say(
      `    ${r.requests} requests, ${ok} answered 2xx; the sink counted ${replayLines} lines in ${r.elapsedSeconds.toFixed(1)} s`,
    );

    say('4/6 drain the capture agent (seal, fsync, upload, manifest), then profile the store');
    if (envoy) {
      await envoy.stop();
      envoy = undefined;
    }
    const code = await capture.stop('SIGTERM', 60_000);
    if (code !== 0)
      throw new WflgError(
        'WFLG_E_INTERNAL',
        `capture agent drained with exit ${String(code)}:\n${capture.log()}`,
      );
    const captureRoot = p('store', 'capture');
    const prof = await runWflg([
      'profile',
      '--input',
      `file://${captureRoot}`,
      '--output',
      `file://${p('recipes')}`,
      '--k-anonymity',
      '1',
    ]);
    const pr = JSON.parse(prof.stdout.trim().split('\n').at(-1)!) as {
      lines: number;
      families: number;
      coverage: number;
      report: string;
      inputs: number;
    };
    say(
      `    ${pr.inputs} parts, ${pr.lines} lines, ${pr.families} families, coverage ${(pr.coverage * 100).toFixed(2)} %`,
    );

    say(
      `5/6 generate ${o.multiplier}× for ${o.generateSeconds} s into a second sink that tees what it gets`,
    );
    mkdirSync(p('generated', 'capture'), { recursive: true });
    const sink2 = await startRole('sink', [
      'sink',
      '--listen',
      '127.0.0.1:0',
      '--tcp',
      '127.0.0.1:0',
      '--tee',
      p('generated', 'capture', 'part-gen-00000001.wf.zst'),
    ]);
    await runWflg([
      'generate',
      '--recipes',
      `file://${p('recipes')}`,
      '--target',
      `http://127.0.0.1:${portOf(sink2)}/report`,
      '--multiplier',
      String(o.multiplier),
      '--mode',
      'frequency',
      '--seed',
      '1',
      '--duration',
      `${o.generateSeconds}s`,
      '--admin',
      '127.0.0.1:0',
      '--state-dir',
      p('generator-state'),
    ]);
    const genLines = await sinkLines(sink2);
    await sink2.stop();
    await sink.stop();
    const replayRate = replayLines / o.replaySeconds;
    const genRate = genLines / o.generateSeconds;
    say(
      `    ${genLines} lines = ${genRate.toFixed(0)} lines/s vs ${replayRate.toFixed(0)} lines/s replayed (${(genRate / replayRate).toFixed(2)}×)`,
    );

    say('6/6 profile what was generated and compare it with the capture');
    await runWflg([
      'profile',
      '--input',
      `file://${p('generated', 'capture')}`,
      '--output',
      `file://${p('recipes-generated')}`,
      '--k-anonymity',
      '1',
    ]);
    const cmp = await runWflg(
      [
        'compare',
        p('recipes'),
        p('recipes-generated'),
        '--multiplier',
        String(o.multiplier),
        '--html',
        p('fidelity.html'),
        '--json',
        p('fidelity.json'),
      ],
      [0, 3],
    );
    const parts = existsSync(captureRoot) ? countParts(captureRoot) : 0;
    return {
      dir: o.dir,
      mirroring,
      sample,
      replayed: { lines: replayLines, requests: r.requests, ok, seconds: r.elapsedSeconds },
      captured: { parts, lines: pr.lines },
      generated: {
        lines: genLines,
        seconds: o.generateSeconds,
        ratePerS: genRate,
        replayRatePerS: replayRate,
      },
      compareExit: cmp.code,
      table: cmp.stdout,
      paths: {
        recipes: p('recipes'),
        qaReport: join(p('recipes'), pr.report),
        fidelityReport: p('fidelity.html'),
        fidelityJson: p('fidelity.json'),
      },
    };
  } finally {
    await envoy?.stop();
    await stopAll();
  }
}

function countParts(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile() && e.name.endsWith('.wf.zst')) n++;
  return n;
}
