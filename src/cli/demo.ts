// `wflg demo`: what the product can show today on the bundled real-data sample. For now that is
// the foundation — the native core parsing the whole corpus exactly as the Wavefront proxy would,
// with families and series counted. Later phases (capture, profile, generate, compare) join here.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../lib/native-loader.js';
import { lint } from './lint.js';
import type { Io } from './io.js';

export const DEMO_HELP = `Usage: wflg demo

Parses the bundled public corpus (fixtures/corpus, 350,915 real-data lines) with the native core
and prints what the proxy would accept, by kind, with families and series.`;

export async function demo(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: { help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out(DEMO_HELP + '\n');
    return 0;
  }
  const corpus = join(packageRoot(), 'fixtures', 'corpus', 'public-telemetry.wf.zst');
  io.out('wflg demo — phase 1 of 4 available: parse and classify real traffic\n\n');
  const t0 = process.hrtime.bigint();
  const code = await lint([corpus], io);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  io.out(`\nparsed in ${s.toFixed(2)} s (zstd decode, native parse, family ids, series hashes)\n`);
  // Rejected lines are part of what the demo shows (real traffic has them), not a failure.
  return code === 1 ? 0 : code;
}
