// `wflg profile`: capture parts or plain Wavefront files → recipes, index, QA report, _PROFILE_OK.
import { availableParallelism } from 'node:os';
import { loadConfig, optionsHelp, type Spec, type Env } from '../lib/config.js';
import { FORMATS, type WavefrontFormat } from '../lib/wavefront.js';
import { profile, SAMPLE_DEFAULTS, type Progress } from '../profiler/run.js';
import { deleteRaw } from '../profiler/delete.js';
import type { Io } from './io.js';

const SPEC = {
  input: {
    type: 'string',
    required: true,
    help: 'capture prefix (file://…/capture/dt=…, gs://…) or .wf/.wf.zst file or directory',
  },
  output: {
    type: 'string',
    required: true,
    help: 'recipes root (a directory, file:// or gs:// URL)',
  },
  workers: {
    type: 'int',
    min: 0,
    max: 256,
    default: Math.max(1, availableParallelism() - 1),
    help: 'worker threads (0: in-process)',
  },
  kAnonymity: {
    type: 'int',
    min: 1,
    max: 1_000_000,
    default: 5,
    help: 'strings seen fewer than K times leave only as synthetic tokens',
  },
  hashNames: {
    type: 'bool',
    default: false,
    help: 'replace names, keys and values by keyed hashes',
  },
  hashSalt: {
    type: 'string',
    default: '',
    env: 'WFLG_PROFILE_SALT',
    help: 'secret key for tokens and hashes (env WFLG_PROFILE_SALT)',
  },
  format: {
    type: 'enum',
    values: FORMATS,
    default: 'auto',
    help: 'Wavefront format of plain files (captures use each request’s f=)',
  },
  seriesSample: {
    type: 'int',
    min: 16,
    max: 1 << 20,
    default: SAMPLE_DEFAULTS.seriesCap,
    help: 'series tracked per family (bottom-k sample)',
  },
  instantSample: {
    type: 'int',
    min: 64,
    max: 1 << 22,
    default: SAMPLE_DEFAULTS.instantCap,
    help: 'arrival instants kept per family for the Hawkes fit',
  },
  deleteRaw: {
    type: 'bool',
    default: false,
    help: 'after _PROFILE_OK, delete the profiled capture parts (coverage ≥ --min-coverage)',
  },
  minCoverage: {
    type: 'number',
    min: 0,
    max: 1,
    default: 0.999,
    help: 'coverage required before --delete-raw deletes anything',
  },
  gcsEndpoint: {
    type: 'string',
    env: 'WFLG_GCS_ENDPOINT',
    help: 'gs:// API endpoint override (emulators)',
  },
  progress: {
    type: 'enum',
    values: ['auto', 'bar', 'lines', 'none'],
    default: 'auto',
    help: 'progress display',
  },
} as const satisfies Spec;

export const PROFILE_HELP = `Usage: wflg profile --input URL --output URL [options]

${optionsHelp(SPEC)}

Exit status: 0 profiled (and deleted when asked), 1 coverage below --min-coverage with --delete-raw, 2 usage, 3 input unreadable.`;

function progressPrinter(io: Io, mode: string, tty: boolean): (p: Progress) => void {
  if (mode === 'none') return () => undefined;
  const bar = mode === 'bar' || (mode === 'auto' && tty);
  const t0 = performance.now();
  return (p) => {
    const mb = p.bytes / 1e6;
    const rate = mb / Math.max(1e-3, (performance.now() - t0) / 1000);
    if (bar) {
      const w = 30;
      const f = Math.round((w * p.done) / p.total);
      io.err(
        `\r[${'#'.repeat(f)}${'.'.repeat(w - f)}] ${p.done}/${p.total} inputs, ${mb.toFixed(1)} MB, ${rate.toFixed(1)} MB/s${p.done === p.total ? '\n' : ''}`,
      );
    } else
      io.err(
        `profile: ${p.done}/${p.total} inputs, ${mb.toFixed(1)} MB read, ${rate.toFixed(1)} MB/s\n`,
      );
  };
}

export async function profileCommand(
  argv: string[],
  io: Io,
  env: Env = {},
  version = '0.0.0',
  tty = false,
): Promise<number> {
  const { config: c, help } = loadConfig(SPEC, argv, env);
  if (help) {
    io.out(PROFILE_HELP + '\n');
    return 0;
  }
  const r = await profile(
    {
      input: c.input,
      output: c.output,
      workers: c.workers,
      k: c.kAnonymity,
      hashNames: c.hashNames,
      salt: c.hashSalt,
      format: c.format as WavefrontFormat,
      seriesCap: c.seriesSample,
      instantCap: c.instantSample,
      version,
      ...(c.gcsEndpoint ? { gcsEndpoint: c.gcsEndpoint } : {}),
    },
    progressPrinter(io, c.progress, tty),
  );
  const t = r.global.totals;
  io.out(
    JSON.stringify({
      run: r.runId,
      inputs: r.inputs.length,
      lines: t.lines,
      families: t.families,
      coverage: t.coverage,
      rejected: t.rejectedLines,
      report: r.reportName,
      seconds: +(r.elapsedMs / 1000).toFixed(3),
      rawMB: +(r.textBytes / 1e6).toFixed(2),
      rawMBPerSecond: +(r.textBytes / 1e6 / (r.elapsedMs / 1000)).toFixed(2),
    }) + '\n',
  );
  if (!c.deleteRaw) return 0;
  const d = await deleteRaw({
    input: c.input,
    output: c.output,
    minCoverage: c.minCoverage,
    ...(c.gcsEndpoint ? { gcsEndpoint: c.gcsEndpoint } : {}),
  });
  io.out(
    JSON.stringify({
      deleted: d.deleted,
      absent: d.absent,
      changed: d.changed,
      refused: d.refused,
    }) + '\n',
  );
  return d.refused ? 1 : 0;
}
