// `wflg compare A B`: fidelity of B against A from their recipes (profiling captures or plain
// Wavefront files first), as a terminal table, an HTML report and JSON; exit 3 on a breach.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { compare } from '../compare/compare.js';
import { renderCompareHtml } from '../compare/html.js';
import { loadSide } from '../compare/load.js';
import { renderTable } from '../compare/table.js';
import { DEFAULT_THRESHOLDS, loadThresholds } from '../compare/thresholds.js';
import { isWflgError } from '../lib/errors.js';
import { loadConfig, optionsHelp, type Spec, type Env } from '../lib/config.js';
import { FORMATS, type WavefrontFormat } from '../lib/wavefront.js';
import { exitCodeOf, usageError, type Io } from './io.js';

const SPEC = {
  html: { type: 'string', help: 'write the HTML report (inline SVG plots) to FILE' },
  json: {
    type: 'string',
    help: 'write the JSON result to FILE (- for stdout; the table then goes to stderr)',
  },
  thresholds: {
    type: 'string',
    help: 'JSON or YAML file overriding threshold defaults (keys below; null = report only)',
  },
  timeScale: {
    type: 'number',
    min: 1e-9,
    max: 1e9,
    default: 1,
    help: 'B was generated with this timeScale: B’s time t is compared with A’s t / timeScale',
  },
  multiplier: {
    type: 'number',
    min: 1e-9,
    max: 1e9,
    default: 1,
    help: 'B was generated with this multiplier: B’s rates are divided by it',
  },
  top: {
    type: 'int',
    min: 0,
    max: 1_000_000,
    default: 20,
    help: 'families shown in the table (red and amber ones always are)',
  },
  color: {
    type: 'enum',
    values: ['auto', 'always', 'never'],
    default: 'auto',
    help: 'colour the table (auto: when stdout is a terminal and NO_COLOR is unset)',
  },
  workers: {
    type: 'int',
    min: 0,
    max: 256,
    default: Math.max(1, availableParallelism() - 1),
    help: 'profiling: worker threads (0: in-process)',
  },
  kAnonymity: {
    type: 'int',
    min: 1,
    max: 1_000_000,
    default: 5,
    help: 'profiling: as wflg profile --k-anonymity (use the value A’s recipes were made with)',
  },
  hashSalt: {
    type: 'string',
    default: '',
    env: 'WFLG_PROFILE_SALT',
    help: 'profiling: as wflg profile --hash-salt (env WFLG_PROFILE_SALT)',
  },
  format: {
    type: 'enum',
    values: FORMATS,
    default: 'auto',
    help: 'profiling: Wavefront format of plain files',
  },
  gcsEndpoint: {
    type: 'string',
    env: 'WFLG_GCS_ENDPOINT',
    help: 'gs:// API endpoint override (emulators)',
  },
} as const satisfies Spec;

/** Compare's own code for unreadable input: 3 already means "thresholds breached" here. */
export const EXIT_INPUT = 4;

export const COMPARE_HELP = `Usage: wflg compare A B [--html FILE] [--json FILE] [--thresholds FILE] [options]

Measures how closely B reproduces A (the reference). A and B are each a recipes root (a directory,
file:// or gs:// URL holding recipes/v1/global.json.zst and recipes/v1/<family id>.json.zst, as
wflg profile --output writes), or capture parts / plain Wavefront files (.wf, .wf.zst, or a
directory of them), which are profiled first into a temporary directory.

Per family (matched by family id; a family whose tag keys differ by one key is paired and
reported as a tag dropped or added) and overall (weighted by A's lines): intensity MAPE,
index-of-dispersion and lag-1 autocorrelation error, value KS and JS, series count error, tag-value
JS, line-size error; overall also body size and lines per request (captures only) and coverage.

Thresholds (defaults: DESIGN §4; a --thresholds file may set any of these keys, unknown keys are
rejected): intensityMape 0.1, dispersion 0.2, lag1 0.1, valueKs 0.05, valueJs 0.05,
seriesCount 0.02, tagJs 0.05, lineBytes 0.05, bodyBytes 0.05, linesPerRequest 0.05,
coverage 0.999 (a lower bound), minFamilyShare 0.001 (smaller families never fail the run),
amber 0.5. A metric is green within amber × its threshold, amber up to the threshold, red beyond.

${optionsHelp(SPEC)}

Exit status: 0 every metric within its threshold, 3 some threshold breached, 2 usage or invalid
thresholds file, 4 an input unreadable or not recipes / Wavefront data (unlike other commands,
where input errors exit 3), 70 internal error.`;

export async function compareCommand(
  argv: string[],
  io: Io,
  env: Env = {},
  version = '0.0.0',
  tty = false,
): Promise<number> {
  const { config: c, positionals, help } = loadConfig(SPEC, argv, env);
  if (help) {
    io.out(COMPARE_HELP + '\n');
    return 0;
  }
  if (positionals.length !== 2)
    throw usageError([`expected two inputs A and B, got ${positionals.length}`]);
  const thresholds = c.thresholds ? loadThresholds(c.thresholds) : DEFAULT_THRESHOLDS;
  const load = {
    workers: c.workers,
    k: c.kAnonymity,
    salt: c.hashSalt,
    format: c.format as WavefrontFormat,
    version,
    ...(c.gcsEndpoint ? { gcsEndpoint: c.gcsEndpoint } : {}),
  };
  let outcome;
  try {
    const a = await loadSide(positionals[0]!, load);
    const b = await loadSide(positionals[1]!, load);
    outcome = compare(a, b, {
      thresholds,
      timeScale: c.timeScale,
      multiplier: c.multiplier,
    });
  } catch (err) {
    if (
      exitCodeOf(err) === 3 ||
      isWflgError(err, 'WFLG_E_RECIPE_INVALID') ||
      isWflgError(err, 'WFLG_E_COMPARE_INPUT') ||
      isWflgError(err, 'WFLG_E_STORE_NOT_FOUND') ||
      isWflgError(err, 'WFLG_E_STORE_UNAVAILABLE')
    ) {
      const code = isWflgError(err) ? err.code : 'WFLG_E_INPUT_READ';
      io.err(`wflg compare: ${code}: ${(err as Error).message}\n`);
      return EXIT_INPUT;
    }
    throw err;
  }
  const r = outcome.report;
  const json = JSON.stringify(r, null, 1) + '\n';
  const table = renderTable(r, {
    color:
      c.color === 'always' ||
      (c.color === 'auto' && tty && c.json !== '-' && env.NO_COLOR === undefined),
    top: c.top,
  });
  if (c.json === '-') {
    io.out(json);
    io.err(table);
  } else {
    io.out(table);
    if (c.json) writeFileSync(c.json, json);
  }
  if (c.html) writeFileSync(c.html, renderCompareHtml(outcome));
  return r.verdict === 'pass' ? 0 : 3;
}
