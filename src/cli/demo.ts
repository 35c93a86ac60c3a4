// `wflg demo` (what `npm run demo` runs): the whole product on the bundled real-data sample.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, optionsHelp, type Spec } from '../lib/config.js';
import { runDemo } from '../demo/run.js';
import { stopAll } from '../demo/procs.js';
import { onStopSignal, type Io } from './io.js';

const SPEC = {
  dataDir: {
    type: 'string',
    help: 'where everything is written (default: a new temp directory, kept)',
  },
  replaySeconds: {
    type: 'seconds',
    min: 5,
    max: 3600,
    default: 60,
    help: 'wall time the 2 h sample is replayed in',
  },
  generateSeconds: {
    type: 'seconds',
    min: 5,
    max: 3600,
    default: 60,
    help: 'how long to generate',
  },
  multiplier: { type: 'number', min: 0.1, max: 100, default: 2, help: 'N× to regenerate at' },
  envoy: {
    type: 'enum',
    values: ['auto', 'off'],
    default: 'auto',
    help: 'mirror through a real Envoy + wflg xds (auto: when installable)',
  },
  quick: { type: 'bool', default: false, help: 'a reduced run (15 s phases) for tests' },
} as const satisfies Spec;

export const DEMO_HELP = `Usage: wflg demo [options]

Captures real traffic through a mirror, profiles it into recipes, regenerates it at 2× and proves
it faithful, all on 127.0.0.1 with ephemeral ports:
  sample (2 h of the public corpus, time-compressed) → Envoy → sink (primary) + capture agent
  (mirror) → object store → wflg profile → recipes → wflg generate 2× → sink (tee) → profile →
  wflg compare → fidelity table and reports.

Options:
${optionsHelp(SPEC)}`;

export async function demo(argv: string[], io: Io, env = process.env): Promise<number> {
  const { config, help } = loadConfig(SPEC, argv, env);
  if (help) {
    io.out(DEMO_HELP + '\n');
    return 0;
  }
  const dir = config.dataDir ? resolve(config.dataDir) : mkdtempSync(join(tmpdir(), 'wflg-demo-'));
  // Ctrl-C: stop every child role before exiting, then report where the data is.
  const release = onStopSignal(() => {
    io.err(`\nwflg demo: interrupted; stopping roles (data kept in ${dir})\n`);
    void stopAll().finally(() => process.exit(130));
  });
  const started = performance.now();
  try {
    const r = await runDemo({
      dir,
      replaySeconds: config.quick ? 15 : config.replaySeconds,
      generateSeconds: config.quick ? 15 : config.generateSeconds,
      multiplier: config.multiplier,
      envoy: config.envoy as 'auto' | 'off',
      env,
      say: (line) => io.out(line + '\n'),
    });
    const minutes = (performance.now() - started) / 60000;
    io.out(
      `\nFidelity: generated at ${config.multiplier}× vs captured (wflg compare)\n${r.table}\n`,
    );
    io.out(
      `${r.compareExit === 0 ? 'All within DESIGN §4 thresholds.' : 'Some figures breach the DESIGN §4 thresholds (marked above).'}\n` +
        `Rates: replayed ${r.generated.replayRatePerS.toFixed(0)} lines/s, generated ${r.generated.ratePerS.toFixed(0)} lines/s ` +
        `(${(r.generated.ratePerS / r.generated.replayRatePerS).toFixed(2)}×; mirroring: ${r.mirroring === 'envoy' ? 'Envoy + wflg xds' : 'built-in replay mirror'})\n\n` +
        `Data directory: ${r.dir}\n  recipes:         ${r.paths.recipes}\n  QA report:       ${r.paths.qaReport}\n` +
        `  fidelity report: ${r.paths.fidelityReport}\n  fidelity JSON:   ${r.paths.fidelityJson}\n` +
        `Done in ${minutes.toFixed(1)} min.\n`,
    );
    return 0;
  } finally {
    release();
  }
}
