// Rate accuracy over windows of W seconds (default 60) at set points (default 1k, 50k, 200k
// lines/s): `wflg generate --rate R --duration W` into a loopback sink. Reports achieved (lines
// the sink counted) against the realised plan (lines the seeded plan drew, minus those the one-
// point-per-second rule skipped), and separately the plan against the target intensity (R × W).
// Usage: node dist/bench/generate-rate.bench.js [W] [R1,R2,...]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../src/lib/native-loader.js';
import { Sink } from '../src/sink/sink.js';
import { BENCH_KEYS, recipe, writeRoot } from '../test/generator/recipes.js';

export async function rateBench(window = 60, points = [1000, 50_000, 200_000]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-rate-'));
  const root = writeRoot(dir, [
    recipe({ name: 'cpu.load', rate: 400, series: 4000, keys: BENCH_KEYS }),
    recipe({
      name: 'req.count',
      rate: 400,
      series: 4000,
      keys: BENCH_KEYS,
      hawkes: { branching: 0.3, beta: 5 },
    }),
    recipe({ name: 'lat.ms', kind: 'histogram_m', rate: 40, series: 400, keys: BENCH_KEYS }),
  ]);
  console.log(
    'rate   window  target-lines  planned   plan-vs-target  sent      sink      achieved-vs-plan  dropped late  p99-ms',
  );
  for (const rate of points) {
    const s = new Sink({
      listen: { host: '127.0.0.1', port: 0 },
      tcp: { host: '127.0.0.1', port: 0 },
    });
    await s.start();
    const child = spawn(
      process.execPath,
      [
        join(packageRoot(), 'dist', 'src', 'cli', 'bin.js'),
        'generate',
        '--recipes',
        root,
        '--target',
        `tcp://127.0.0.1:${s.tcpPort}`,
        '--rate',
        String(rate),
        '--duration',
        `${window}s`,
        '--seed',
        '42',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const info = JSON.parse((await lines.next()).value as string) as { port: number };
    let p99 = NaN;
    const poll = setInterval(() => {
      fetch(`http://127.0.0.1:${info.port}/v1/status`)
        .then((r) => r.json() as Promise<{ workers: Array<{ latencyMs: { p99: number } | null }> }>)
        .then(
          (st: { workers: Array<{ latencyMs: { p99: number } | null }> }) =>
            (p99 = st.workers[0]?.latencyMs?.p99 ?? NaN),
        )
        .catch(() => undefined);
    }, 2000);
    const done = JSON.parse((await lines.next()).value as string) as {
      totals: {
        planned: number;
        expected: number;
        sent: number;
        capped: number;
        dropped: number;
        late: number;
      };
    };
    clearInterval(poll);
    await new Promise((r) => setTimeout(r, 300));
    const t = done.totals;
    const realised = t.planned - t.capped;
    const got = s.counts.lines;
    await s.close();
    console.log(
      [
        String(rate).padEnd(6),
        `${window}s`.padEnd(7),
        String(rate * window).padEnd(13),
        String(t.planned).padEnd(9),
        `${(((t.planned - rate * window) / (rate * window)) * 100).toFixed(3)}%`.padEnd(15),
        String(t.sent).padEnd(9),
        String(got).padEnd(9),
        `${(((got - realised) / realised) * 100).toFixed(4)}%`.padEnd(17),
        String(t.dropped).padEnd(7),
        String(t.late).padEnd(5),
        String(p99),
      ].join(' '),
    );
  }
  rmSync(dir, { recursive: true, force: true });
}

if (import.meta.url === `file://${process.argv[1]}`)
  await rateBench(Number(process.argv[2] ?? 60), process.argv[3]?.split(',').map(Number));
