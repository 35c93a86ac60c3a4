// End to end on real sockets and real worker threads: `wflg generate` (child process) into a
// `Sink` (in-process), driven through the admin API.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Totals } from '../../src/generator/messages.js';
import { Sink } from '../../src/sink/sink.js';
import { BIN, runCli, waitFor } from '../helpers.js';
import { LOOP, withSink } from '../sink/helpers.js';
import { records } from '../../src/lib/capture-format.js';
import { native } from '../../src/lib/native.js';
import { KEYS, globalRecipe, q, recipe, writeRoot } from './recipes.js';

const tmp = mkdtempSync(join(tmpdir(), 'wflg-gen-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

const root = writeRoot(
  join(tmp, 'r1'),
  [
    recipe({ name: 'cpu.load', rate: 40, series: 400, keys: KEYS }),
    recipe({ name: 'lat.ms', kind: 'histogram_m', rate: 5, series: 40, keys: KEYS }),
    recipe({
      name: 'req.bursty',
      rate: 20,
      series: 400,
      keys: KEYS,
      hawkes: { branching: 0.4, beta: 4 },
    }),
  ],
  globalRecipe(
    [
      [0, 50],
      [0.5, 200],
      [1, 400],
    ],
    0.5,
  ),
);

interface Gen {
  child: ChildProcess;
  port: number;
  lines: AsyncIterator<string>;
  done: Promise<{ done: boolean; totals: Totals }>;
}

async function startGen(args: string[], recipes = root): Promise<Gen> {
  const child = spawn(process.execPath, [BIN, 'generate', '--recipes', recipes, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const rl = createInterface({ input: child.stdout });
  const lines = rl[Symbol.asyncIterator]();
  const first = await lines.next();
  assert.ok(!first.done, `generate exited: ${stderr}`);
  const info = JSON.parse(first.value) as { port: number };
  const done = (async () => {
    const l = await lines.next();
    return JSON.parse(l.value as string) as { done: boolean; totals: Totals };
  })();
  return { child, port: info.port, lines, done };
}

const api = (g: Gen, path: string, init?: RequestInit) =>
  fetch(`http://127.0.0.1:${g.port}${path}`, init);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = (what: string, ok: () => boolean, ms = 5000): Promise<void> =>
  waitFor(what, ok, ms, 20);

test('tcp: every line sent reaches the sink, none rejected; totals and status agree', async () => {
  await withSink({}, async (s) => {
    const g = await startGen([
      '--target',
      `tcp://127.0.0.1:${s.tcpPort}`,
      '--rate',
      '3000',
      '--duration',
      '2s',
      '--workers',
      '2',
    ]);
    const { totals } = await g.done;
    await sleep(100);
    assert.equal(s.counts.lines, totals.sent, 'exact count');
    assert.equal(s.counts.rejected, 0);
    assert.equal(totals.dropped, 0);
    assert.equal(totals.planned, totals.sent + totals.capped);
    // 2 s at 3000/s; Poisson/Hawkes noise well inside ±10 %.
    assert.ok(Math.abs(totals.planned - 6000) < 600, `planned ${totals.planned}`);
    assert.equal(s.stats().familyCount, 3);
  });
});

test('http: each format is batched by its own lines-per-request (regression: one mixed distribution gave histogram streams metric-sized batches)', async () => {
  const g0 = globalRecipe([
    [0, 4],
    [0.5, 60],
    [1, 120],
  ]);
  g0.requests!.formats = [
    {
      format: 'wavefront',
      share: 0.5,
      linesPerRequest: q([
        [0, 90],
        [1, 110],
      ]),
    },
    {
      format: 'histogram',
      share: 0.5,
      linesPerRequest: q([
        [0, 3],
        [1, 5],
      ]),
    },
  ];
  const dir = writeRoot(
    join(tmp, 'by-format'),
    [
      recipe({ name: 'fmt.metric', rate: 400, series: 4000, keys: KEYS }),
      recipe({ name: 'fmt.hist', kind: 'histogram_m', rate: 40, series: 400, keys: KEYS }),
    ],
    g0,
  );
  const tee = join(tmp, 'by-format.wf.zst');
  await withSink({ tee }, async (s) => {
    const g = await startGen(
      ['--target', `http://127.0.0.1:${s.httpPort}/report`, '--duration', '3s'],
      dir,
    );
    const { totals } = await g.done;
    assert.equal(totals.httpErrors, 0);
    await waitFor('the sink got every line', () => s.counts.lines === totals.sent, 5000);
    s.flushTee();
  });
  const dec = native().decodeFrames(readFileSync(tee), 1 << 28);
  const by = new Map<string, number[]>();
  for (const r of records(dec.data)) {
    const f = r.header.query;
    by.set(f, [...(by.get(f) ?? []), r.header.lines]);
  }
  const metric = by.get('f=wavefront') ?? [];
  const hist = by.get('f=histogram') ?? [];
  assert.ok(metric.length >= 5 && hist.length >= 10, `${metric.length} / ${hist.length} requests`);
  // Every batch but one closed by age or at the end is within its format's own range.
  const outside = (xs: number[], lo: number, hi: number) => xs.filter((n) => n < lo || n > hi);
  assert.ok(outside(metric, 90, 110).length <= 2, `metric batches ${metric.join(',')}`);
  assert.ok(outside(hist, 3, 5).length <= 2, `histogram batches ${hist.join(',')}`);
});

test('http: batched POSTs with batch sizes from the recipe, gzip share, bearer token', async () => {
  await withSink({ token: 'tok' }, async (s) => {
    const g = await startGen([
      '--target',
      `http://127.0.0.1:${s.httpPort}/report`,
      '--token',
      'tok',
      '--rate',
      '3000',
      '--duration',
      '2s',
    ]);
    const { totals } = await g.done;
    assert.equal(totals.httpErrors, 0);
    assert.equal(s.counts.lines, totals.sent);
    assert.equal(s.counts.rejected, 0, 'histograms went with f=histogram');
    assert.ok(totals.requests >= 10 && totals.requests < 200, `${totals.requests} requests`);
  });
  await withSink({ token: 'tok' }, async (s) => {
    const g = await startGen([
      '--target',
      `http://127.0.0.1:${s.httpPort}/report`,
      '--rate',
      '1000',
      '--duration',
      '1s',
    ]);
    const { totals } = await g.done;
    assert.ok(totals.httpErrors > 0, 'a missing token is counted as HTTP errors');
    assert.equal(totals.failedLines, totals.sent);
    assert.equal(s.counts.lines, 0);
  });
});

test('same recipes + seed + scenario give byte-identical output; another seed does not', async () => {
  const hash = async (seed: number, name: string) => {
    const out = join(tmp, name);
    const r = await runCli([
      'generate',
      '--recipes',
      root,
      '--target',
      `file://${out}`,
      '--pace',
      'none',
      '--duration',
      '60s',
      '--epoch-ms',
      '1732233600000',
      '--seed',
      String(seed),
      '--rate',
      '2000',
      '--workers',
      '2',
    ]);
    assert.equal(r.code, 0, r.stderr);
    return createHash('sha256')
      .update(readFileSync(`${out}.0`))
      .update(readFileSync(`${out}.1`))
      .digest('hex');
  };
  const a = await hash(5, 'a.wf');
  assert.equal(await hash(5, 'b.wf'), a);
  assert.notEqual(await hash(6, 'c.wf'), a);
});

test('admin: bad scenarios are refused with every problem; rate changes reach the sink within 1 s; pause is exact', async () => {
  await withSink({}, async (s) => {
    const stateDir = join(tmp, 'state');
    const g = await startGen([
      '--target',
      `tcp://127.0.0.1:${s.tcpPort}`,
      '--rate',
      '1000',
      '--state-dir',
      stateDir,
    ]);
    let r = await api(g, '/v1/scenario', {
      method: 'PUT',
      body: '{"rate": -5, "mode": "x", "nope": true}',
    });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { problems: string[] }).problems.length, 3);
    r = await api(g, '/v1/scenario', { method: 'PUT', body: 'not json' });
    assert.equal(r.status, 400);
    await sleep(1500);
    r = await api(g, '/v1/scenario', { method: 'PUT', body: '{"rate": 8000}' });
    assert.equal(r.status, 200);
    const before = s.counts.lines;
    await sleep(1000);
    const gained = s.counts.lines - before;
    assert.ok(gained > 5000, `within 1 s of the change the sink saw ${gained} lines (8000/s set)`);
    r = await api(g, '/v1/pause', { method: 'POST' });
    assert.equal(r.status, 200);
    await sleep(300);
    const paused = s.counts.lines;
    await sleep(700);
    assert.equal(s.counts.lines, paused, 'nothing is sent while paused');
    const st = (await (await api(g, '/v1/status')).json()) as {
      totals: { sent: number };
      scenario: { paused: boolean };
    };
    assert.equal(st.scenario.paused, true);
    assert.equal(st.totals.sent, paused);
    await api(g, '/v1/resume', { method: 'POST' });
    await sleep(500);
    assert.ok(s.counts.lines > paused);
    const metrics = await (await api(g, '/metrics')).text();
    assert.match(metrics, /wflg_generator_lines_emitted_total \d+/);
    assert.match(metrics, /wflg_generator_divergence_families\{status="green"\}/);
    // Every status is exported (zeros too), so the match alone proves little: the families add up.
    const byStatus = [
      ...metrics.matchAll(/wflg_generator_divergence_families\{status="\w+"\} (\d+)/g),
    ];
    assert.equal(byStatus.length, 4);
    assert.equal(
      byStatus.reduce((a, m) => a + Number(m[1]), 0),
      3,
    );
    // The scenario survives a restart (persisted next to the state).
    g.child.kill('SIGTERM');
    const { totals } = await g.done;
    await sleep(100);
    assert.equal(s.counts.lines, totals.sent);
    const persisted = JSON.parse(readFileSync(join(stateDir, 'scenario.json'), 'utf8')) as {
      rate: number;
    };
    assert.equal(persisted.rate, 8000);
    const g2 = await startGen([
      '--target',
      `tcp://127.0.0.1:${s.tcpPort}`,
      '--state-dir',
      stateDir,
    ]);
    const sc = (await (await api(g2, '/v1/scenario')).json()) as { rate: number };
    assert.equal(sc.rate, 8000);
    g2.child.kill('SIGTERM');
    await g2.done;
  });
});

test('collector down and back: reconnects, no catch-up burst, losses counted', async () => {
  const first = new Sink({ listen: LOOP, tcp: LOOP });
  await first.start();
  const port = first.tcpPort;
  const g = await startGen(['--target', `tcp://127.0.0.1:${port}`, '--rate', '2000']);
  await until('lines arrive', () => first.counts.lines > 0);
  await sleep(300);
  await first.close();
  await sleep(1500);
  const again = new Sink({ listen: LOOP, tcp: { ...LOOP, port } });
  await again.start();
  try {
    await sleep(2500);
    const st = (await (await api(g, '/v1/status')).json()) as { totals: Totals };
    assert.ok(st.totals.reconnects > 0);
    assert.ok(st.totals.dropped > 1000, `dropped ${st.totals.dropped} while down`);
    const perSecond = again.stats().perSecond.map((p) => p.lines);
    assert.ok(
      perSecond.length > 0 && Math.max(...perSecond) < 4000,
      `no catch-up burst: ${perSecond.join(',')}`,
    );
    g.child.kill('SIGTERM');
    await g.done;
  } finally {
    await again.close();
  }
});

test('slow collector: late and dropped sends are counted, the queue stays bounded', async () => {
  await withSink({ readBytesPerSecond: 1 << 20 }, async (s) => {
    const g = await startGen([
      '--target',
      `tcp://127.0.0.1:${s.tcpPort}`,
      '--rate',
      '100000',
      '--duration',
      '3s',
      '--max-late-ms',
      '200',
    ]);
    const { totals } = await g.done;
    assert.ok(totals.dropped > 0, 'work that fell too far behind was dropped');
    assert.ok(totals.late + totals.dropped > 0);
    assert.equal(totals.planned, totals.sent + totals.dropped + totals.capped);
  });
});

test('recipes: an invalid set is refused at start with the field and reason; hot reload keeps the running set', async () => {
  const bad = join(tmp, 'bad');
  const r0 = recipe({ name: 'x.y', rate: 1 });
  writeRoot(bad, [r0]);
  const doc = JSON.parse(
    readFileSync(join(bad, 'recipes', 'v1', `${r0.family.id}.json`), 'utf8'),
  ) as Record<string, unknown>;
  (doc.series as Record<string, unknown>).count = -1;
  writeFileSync(join(bad, 'recipes', 'v1', `${r0.family.id}.json`), JSON.stringify(doc));
  const res = await runCli(['generate', '--recipes', bad, '--target', 'tcp://127.0.0.1:9']);
  assert.equal(res.code, 70);
  assert.match(res.stderr, /WFLG_E_RECIPE_INVALID/);
  assert.match(res.stderr, /\/series\/count/);

  const live = writeRoot(join(tmp, 'live'), [recipe({ name: 'a.b', rate: 100, keys: KEYS })]);
  await withSink({}, async (s) => {
    const g = await startGen(['--target', `tcp://127.0.0.1:${s.tcpPort}`], live);
    const reload = async () =>
      (await api(g, '/v1/reload', { method: 'POST' })).json() as Promise<Record<string, unknown>>;
    writeRoot(live, [recipe({ name: 'c.d', rate: 100, keys: KEYS })]);
    const ok = await reload();
    assert.equal(ok.lastResult, 'loaded');
    const incompatible = { ...recipe({ name: 'e.f', rate: 1 }), schema: 'wflg.recipe/v2' };
    writeFileSync(join(live, 'recipes', 'v1', 'zz.json'), JSON.stringify(incompatible));
    const refused = await reload();
    assert.equal(refused.lastResult, 'refused');
    assert.match(String(refused.reason), /zz\.json: \/schema/);
    await until('the reloaded set is being sent on the same connection', () =>
      s.stats().families.some((f) => f.name === 'c.d'),
    );
    assert.equal(s.stats().tcpConnections, 1);
    const m = await (await api(g, '/metrics')).text();
    assert.match(m, /wflg_generator_recipe_reloads_total\{result="refused"\} 1/);
    g.child.kill('SIGTERM');
    await g.done;
  });
});

test('admin bound beyond loopback needs a token', async () => {
  const r = await runCli([
    'generate',
    '--recipes',
    root,
    '--target',
    'tcp://127.0.0.1:9',
    '--admin',
    '0.0.0.0:0',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /admin-token is required/);
});
