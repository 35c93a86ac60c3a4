import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  mkdirSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { parquetReadObjects } from 'hyparquet';
import { isWflgError } from '../../src/lib/errors.js';
import { native, type FrameScan } from '../../src/lib/native.js';
import {
  SOURCE_PAIR_KEY,
  validateGlobalRecipe,
  validateRecipe,
  type Recipe,
} from '../../src/lib/recipe.js';
import { deleteRaw } from '../../src/profiler/delete.js';
import { Rng } from '../../src/lib/rng.js';
import { profile } from '../../src/profiler/run.js';
import { centroidMeanDecimals } from '../../src/profiler/scan.js';
import { openStore } from '../../src/lib/store/index.js';
import { StrictGcs } from '../fakes/gcs-strict.js';
import { CORPUS } from '../helpers.js';
import { capturePart, partDir, profileOptions as base, type CapturedRequest } from './fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'wflg-profile-'));
/** Runs `fn` in a fresh temporary directory, removed afterwards whatever happens. */
async function inTmp(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = tmp();
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const unzstd = (p: string) => execFileSync('zstd', ['-dc', p]);
function readRecipes(root: string): Recipe[] {
  const dir = join(root, 'recipes', 'v1');
  return readdirSync(dir)
    .filter((f) => f !== 'global.json.zst')
    .sort()
    .map((f) => validateRecipe(JSON.parse(unzstd(join(dir, f)).toString())));
}

test('the public corpus: coverage ≥ 99.9 %, valid recipes for all three data sets, outputs in place', async () => {
  await inTmp(async (out) => {
    const r = await profile(base(CORPUS, out, { workers: 2 }));
    const g = validateGlobalRecipe(
      JSON.parse(unzstd(join(out, 'recipes/v1/global.json.zst')).toString()),
    );
    assert.ok(g.totals.coverage >= 0.999, String(g.totals.coverage));
    assert.equal(g.totals.lines, 350_915);
    assert.equal(g.window.timeAxis, 'timestamp');
    assert.equal(g.requests, null);
    // WF-404 zero deltas and WF-300 spans (auto format) are accounted for by code.
    const byCode = new Map(g.rejects.map((c) => [c.code, c.lines]));
    assert.equal(byCode.get('WF-404'), 30_672);
    assert.equal(byCode.get('WF-300'), 1_209);
    const recipes = readRecipes(out);
    assert.equal(recipes.length, r.recipes.length);
    const names = new Set(recipes.map((x) => x.family.name));
    // NAB gauges and deltas, Azure LLM deltas and !M histograms.
    for (const n of [
      'aws.ec2.cpuutilization.average',
      '∆twitter.mentions',
      '∆llm.inference.requests',
      'llm.inference.context_tokens',
    ])
      assert.ok(names.has(n), n);
    const cpu = recipes.find((x) => x.family.name === 'aws.ec2.cpuutilization.average')!;
    assert.equal(cpu.values!.model, 'gauge');
    assert.ok(cpu.values!.marginal.min >= 0 && cpu.values!.marginal.max <= 100);
    assert.equal(cpu.timestamps.unit, 's');
    assert.ok(cpu.timestamps.alignmentSeconds >= 60);
    const hist = recipes.find((x) => x.family.name === 'llm.inference.context_tokens')!;
    assert.equal(hist.histogram!.granularity, 'minute');
    assert.ok(hist.histogram!.centroidsPerLine.mean > 1);
    const llm = recipes.find((x) => x.family.name === '∆llm.inference.requests')!;
    assert.equal(llm.values!.model, 'delta');
    assert.ok(llm.arrivals.hawkes && llm.arrivals.hawkes.events > 1000);
    // Parquet index: one row per family, readable by an independent reader.
    const buf = readFileSync(join(out, 'recipes/index.parquet'));
    const rows = await parquetReadObjects({
      file: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length),
    });
    assert.equal(rows.length, recipes.length);
    assert.deepEqual(rows.map((x) => String(x.id)).sort(), recipes.map((x) => x.family.id).sort());
    const html = readFileSync(join(out, r.reportName), 'utf8');
    assert.ok(
      html.includes('<svg class="plot intensity"') && html.includes('<svg class="plot histogram"'),
    );
    assert.ok(
      !/<script|https?:\/\/(?!www\.w3\.org)/.test(html),
      'self-contained, no scripts or remote assets',
    );
    const ok = JSON.parse(readFileSync(join(out, '_PROFILE_OK'), 'utf8')) as { coverage: number };
    assert.equal(ok.coverage, g.totals.coverage);
  });
});

function syntheticCapture(dir: string, parts: number, perPart: number): void {
  const d = partDir(join(dir, 'capture'));
  mkdirSync(d, { recursive: true });
  let t = 1_795_000_000_000;
  for (let p = 0; p < parts; p++) {
    const reqs = [];
    for (let i = 0; i < perPart; i++) {
      t += 200 + ((i * 7919) % 400);
      const lines = [];
      for (let s = 0; s < 20; s++)
        lines.push(
          `app.req.latency ${((s * 37 + i) % 100) / 10} ${Math.floor(t / 1000)} source=web-${s % 5} env=prod dc=dc${s % 2}`,
        );
      lines.push(`app.req.count ${i + p * perPart} source=web-1 env=prod`);
      reqs.push({
        t,
        body: lines.join('\n') + '\n',
        client: `00000000000000${(i % 3).toString(16).padStart(2, '0')}`,
      });
    }
    writeFileSync(join(d, `part-w1-${String(p).padStart(6, '0')}.wf.zst`), capturePart(reqs));
  }
}

test('capture parts: arrival time axis, request model, mirror fraction; deterministic across worker counts', async () => {
  await inTmp(async (root) => {
    syntheticCapture(root, 4, 150);
    const a = await profile(base(join(root, 'capture'), join(root, 'a'), { workers: 0 }));
    const b = await profile(
      base(`file://${join(root, 'capture')}`, join(root, 'b'), { workers: 3 }),
    );
    assert.deepEqual(a.recipes, b.recipes);
    assert.deepEqual({ ...a.global, run: null }, { ...b.global, run: null });
    const g = a.global;
    assert.equal(g.window.timeAxis, 'arrival');
    assert.equal(g.totals.requests, 600);
    assert.equal(g.mirrorFraction, 0.5);
    assert.ok(g.requests);
    assert.equal(g.requests.linesPerRequest.min, 21);
    assert.equal(g.requests.clients.count, 3);
    assert.ok(
      Math.abs(g.requests.encodings.find((e) => e.encoding === 'gzip')!.share - 1 / 3) < 0.01,
    );
    const lat = a.recipes.find((r) => r.family.name === 'app.req.latency')!;
    assert.equal(lat.series.count, 10); // (s mod 5, s mod 2) over s < 20
    assert.deepEqual(lat.family.tagKeys, ['dc', 'env']);
    assert.equal(lat.series.sources.distinct, 5);
    // Intensity is of the full stream: counts / resolution / mirror fraction.
    const i0 = lat.arrivals.counts.findIndex((c) => c > 0);
    assert.ok(
      lat.arrivals.intensity[i0]! > lat.arrivals.counts[i0]! / lat.arrivals.resolutionSeconds,
    );
    const counter = a.recipes.find((r) => r.family.name === 'app.req.count')!;
    assert.equal(counter.values!.model, 'counter');
    assert.equal(counter.timestamps.presentShare, 0);
  });
});

/** Flips one byte of a capture part, at an offset chosen from its frame scan. */
function flipByte(path: string, at: (scan: FrameScan) => number): void {
  const bytes = readFileSync(path);
  const i = at(native().scanFrames(bytes));
  bytes[i] = bytes[i]! ^ 0xff;
  writeFileSync(path, bytes);
}

test('corrupt frames are skipped and counted; the rest is profiled', async () => {
  await inTmp(async (root) => {
    syntheticCapture(root, 1, 50);
    flipByte(
      join(partDir(join(root, 'capture')), 'part-w1-000000.wf.zst'),
      (s) => s.offsets[10]! + 20,
    );
    const r = await profile(base(join(root, 'capture'), join(root, 'out')));
    assert.equal(r.global.totals.requests, 49);
    const html = readFileSync(join(root, 'out', r.reportName), 'utf8');
    assert.match(html, /1 corrupt frame\(s\) skipped/);
  });
});

test('regression: a damaged or torn first frame is skipped and counted, not read as plain Wavefront', async () => {
  await inTmp(async (root) => {
    syntheticCapture(root, 2, 30);
    const dir = partDir(join(root, 'capture'));
    // Part 0: the first frame's checksum damaged (the sniff used to need that frame to verify).
    flipByte(join(dir, 'part-w1-000000.wf.zst'), (s) => s.offsets[0]! + s.compressedLens[0]! - 2);
    // Part 1: cut inside its first frame's checksum, the torn tail of a crashed writer.
    const p1 = join(dir, 'part-w1-000001.wf.zst');
    const b1 = readFileSync(p1);
    writeFileSync(p1, b1.subarray(0, native().scanFrames(b1).compressedLens[0]! - 2));
    const r = await profile(base(join(root, 'capture'), join(root, 'out')));
    assert.equal(r.global.window.timeAxis, 'arrival');
    assert.equal(r.global.totals.requests, 29);
    const html = readFileSync(join(root, 'out', r.reportName), 'utf8');
    assert.match(html, /1 corrupt frame\(s\) skipped/);
    assert.match(html, /bytes of torn or damaged part tails not read/);
  });
});

test('bad input: empty directory, non-Wavefront bytes, a one-line family', async () => {
  await inTmp(async (root) => {
    mkdirSync(join(root, 'empty'));
    await assert.rejects(profile(base(join(root, 'empty'), join(root, 'o1'))), (e) =>
      isWflgError(e, 'WFLG_E_INPUT_READ'),
    );
    assert.ok(!existsSync(join(root, 'o1', '_PROFILE_OK')));
    writeFileSync(join(root, 'junk.wf'), Buffer.from([0, 1, 2, 255, 10, 0x7f, 0x80, 10]));
    const j = await profile(base(join(root, 'junk.wf'), join(root, 'o2')));
    assert.equal(j.recipes.length, 0);
    assert.equal(j.global.totals.coverage, 1, 'junk lines are accounted for as rejects');
    writeFileSync(join(root, 'one.wf'), 'lonely.metric 1.5 1795000000 source=a\n');
    const o = await profile(base(join(root, 'one.wf'), join(root, 'o3')));
    assert.equal(o.recipes.length, 1);
    assert.equal(o.recipes[0]!.confidence, 'low');
    assert.ok(o.recipes[0]!.notes.some((n) => /only 1 lines/.test(n)));
    assert.equal(o.recipes[0]!.arrivals.hawkes, null);
  });
});

test('global line sizes count every non-blank line: families, rejects and kinds without a family', async () => {
  await inTmp(async (root) => {
    const lines = [
      'a.metric 1 1795000000 source=h', // 30 bytes, a family
      'b.longer.metric.name 2 1795000001 source=host-1 k=v', // 52
      'bad metric line without a value source=h x'.repeat(3), // a reject, the longest
      '',
      '@SourceTag action=add source=h tag1', // no family
      'c 3 1795000002 source=h', // 23, the shortest
    ];
    writeFileSync(join(root, 'mix.wf'), lines.join('\n') + '\n');
    const r = await profile(base(join(root, 'mix.wf'), join(root, 'o')));
    const sizes = lines.filter((l) => l !== '').map((l) => Buffer.byteLength(l));
    const lb = r.global.lineBytes;
    assert.equal(lb.n, sizes.length, 'one size per non-blank line');
    assert.equal(lb.min, Math.min(...sizes));
    assert.equal(lb.max, Math.max(...sizes));
    assert.equal(lb.mean, sizes.reduce((a, b) => a + b, 0) / sizes.length);
  });
});

test('quoting: each family publishes the shares of names, sources, keys and values it saw quoted', async () => {
  await inTmp(async (root) => {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++) {
      const ts = 1_795_000_000 + i;
      lines.push(`bare.m ${i} ${ts} source=h${i % 4} env="prod" zone=z${i % 5}`);
      lines.push(`"quoted.m" ${i} ${ts} source="h${i % 4}" "env"="prod"`);
      // Half the series of this family write their source bare.
      lines.push(
        `mixed.m ${i} ${ts} ${i % 2 ? 'source="s' : 'source=s'}${i % 4}${i % 2 ? '"' : ''}`,
      );
    }
    writeFileSync(join(root, 'q.wf'), lines.join('\n') + '\n');
    const o = await profile(base(join(root, 'q.wf'), join(root, 'o')));
    const of = (n: string) => o.recipes.find((r) => r.family.name === n)!.quoting;
    assert.deepEqual(of('bare.m'), { name: 0, source: 0, keys: 0, values: 0.5 });
    assert.deepEqual(of('quoted.m'), { name: 1, source: 1, keys: 1, values: 1 });
    // No tags: keys and values publish the formatter's default.
    assert.deepEqual(of('mixed.m'), { name: 0, source: 0.5, keys: 1, values: 1 });
  });
});

test('decimals: as the sender printed them, trailing zeros included; other forms by their value', async () => {
  await inTmp(async (root) => {
    const written = ['1.0', '2.50', '3', '-0.000', '1e3', '7.5f', '12.125', '.5'];
    const lines: string[] = [];
    for (let i = 0; i < 80; i++)
      lines.push(`d.m ${written[i % written.length]} ${1_795_000_000 + i} source=h`);
    writeFileSync(join(root, 'd.wf'), lines.join('\n') + '\n');
    const o = await profile(base(join(root, 'd.wf'), join(root, 'o')));
    const got = o.recipes.find((r) => r.family.name === 'd.m')!.values!.decimals;
    // 1.0 → 1; 2.50 → 2; 3, 1e3 (1000) → 0; -0.000 → 3; 7.5f (7.5) → 1; 12.125 → 3; .5 → 1.
    assert.deepEqual(
      [...got].sort((a, b) => a.digits - b.digits),
      [
        { digits: 0, share: 2 / 8 },
        { digits: 1, share: 3 / 8 },
        { digits: 2, share: 1 / 8 },
        { digits: 3, share: 2 / 8 },
      ],
    );
  });
});

test('histogram mean decimals: each line by its means as written, averaged and rounded', async () => {
  const at = (line: string): number => {
    const b = Buffer.from(`xx ${line} yy`);
    return centroidMeanDecimals(b, 3, 3 + Buffer.byteLength(line));
  };
  assert.equal(at('!M 1793643300 #2 91.0 #1 120.0 h.x source=a'), 1);
  // 8, 8, 3 and 7 digits: 6.5 rounds to 7.
  assert.equal(at('!M 1793643360 #7 27.71428571 #7 93.28571429 #8 141.125 #7 179.5714286 h.x'), 7);
  // No timestamp; an integer mean and exponent forms have no digits after a point.
  assert.equal(at('!H #3 12 #1 1e5 #2 2.5E1 h.x'), 0);
  assert.equal(at('!D\t#1\t0.25 h.x'), 2);
  // A tag after the name may hold `#`: never read.
  assert.equal(at('!M 1 #1 1.5 h.x source=a "t"="#9 1.123456"'), 1);
  // Hostile and truncated: no mean, a count with nothing after it, an empty span.
  assert.equal(at('!M 1793643300 h.x source=a'), -1);
  assert.equal(at('!M 1793643300 #2'), -1);
  assert.equal(centroidMeanDecimals(Buffer.from('!M 1 #1 2.5 h'), 4, 4), -1);
  await inTmp(async (root) => {
    const lines: string[] = [];
    for (let i = 0; i < 40; i++)
      lines.push(
        i % 4 === 0
          ? `!M ${1_795_000_000 + 60 * i} #7 ${(Math.PI * (i + 1)).toFixed(9)} #1 3.0 h.dec source=a`
          : `!M ${1_795_000_000 + 60 * i} #1 ${i}.0 #2 ${i + 1}.0 h.dec source=a`,
      );
    writeFileSync(join(root, 'h.wf'), lines.join('\n') + '\n');
    const o = await profile(base(join(root, 'h.wf'), join(root, 'o')));
    const got = o.recipes.find((r) => r.family.name === 'h.dec')!.histogram!.meanDecimals!;
    // A quarter of the lines: a mean of 9 digits and one of 1 → 5; the rest 1.
    assert.deepEqual(
      [...got].sort((a, b) => a.digits - b.digits),
      [
        { digits: 1, share: 0.75 },
        { digits: 5, share: 0.25 },
      ],
    );
  });
});

/** Profiles one capture part holding `reqs` (half of the stream mirrored). */
async function profileCaptured(root: string, reqs: readonly CapturedRequest[]) {
  const d = partDir(join(root, 'capture'));
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'part-w1-000000.wf.zst'), capturePart(reqs));
  return profile(base(join(root, 'capture'), join(root, 'o')));
}

const median = (q: { q: [number, number][] }): number => q.q.find(([p]) => p === 0.5)![1];

test('request model: each format keeps its own lines per request and wire bytes', async () => {
  await inTmp(async (root) => {
    const reqs: CapturedRequest[] = [];
    let t = 1_795_000_000_000;
    for (let i = 0; i < 40; i++) {
      t += 250;
      const metric = Array.from(
        { length: 200 },
        (_, s) => `m.x ${s} ${Math.floor(t / 1000)} source=a`,
      );
      reqs.push({ t, body: metric.join('\n') + '\n' });
      const hist = [`!M ${Math.floor(t / 60000) * 60} #1 ${i} h.y source=a`];
      reqs.push({ t: t + 1, body: hist.join('\n') + '\n', q: 'f=histogram' });
    }
    const o = await profileCaptured(root, reqs);
    const formats = o.global.requests!.formats;
    const of = (f: string) => formats.find((x) => x.format === f)!;
    assert.equal(of('wavefront').share, 0.5);
    assert.ok(Math.abs(median(of('wavefront').linesPerRequest!) - 200) <= 4);
    assert.ok(Math.abs(median(of('histogram').linesPerRequest!) - 1) <= 0.1);
    assert.ok(median(of('wavefront').wireBytes!) > 50 * median(of('histogram').wireBytes!));
  });
});

test('request model: lines per request by load, small in quiet seconds and large in busy ones', async () => {
  await inTmp(async (root) => {
    const reqs: CapturedRequest[] = [];
    const t0 = 1_795_000_020_000;
    // 100 quiet seconds with one 2-line request, then 100 busy ones with five of 50 lines.
    for (let s = 0; s < 200; s++) {
      const t = t0 + s * 1000;
      const [count, size] = s < 100 ? [1, 2] : [5, 50];
      for (let k = 0; k < count; k++) {
        const lines = Array.from({ length: size }, (_, j) => `m.x ${j} source=a${k}`);
        reqs.push({ t: t + k * 150, body: lines.join('\n') + '\n' });
      }
    }
    const o = await profileCaptured(root, reqs);
    const wf = o.global.requests!.formats.find((f) => f.format === 'wavefront')!;
    const bins = wf.byRate!;
    assert.ok(bins && bins.length >= 2, JSON.stringify(bins?.map((b) => b.upTo)));
    assert.equal(bins[0]!.upTo, 0);
    assert.ok(Math.abs(median(bins[0]!.linesPerRequest) - 2) <= 0.05);
    // Four other 50-line requests in a busy second, half of the stream mirrored: 400 lines/s.
    assert.equal(bins.at(-1)!.upTo, 400);
    assert.ok(Math.abs(median(bins.at(-1)!.linesPerRequest) - 50) <= 1);
    assert.equal(
      bins.reduce((a, b) => a + b.linesPerRequest.n, 0),
      600,
    );
  });
});

test('clumps: lines per arrival instant and the regularity of the instants, per family, on the arrival axis only', async () => {
  await inTmp(async (root) => {
    const rng = new Rng(31);
    const reqs: CapturedRequest[] = [];
    const t0 = 1_795_000_040_000;
    // Family c.clumped: a sender on a 250 ms timer (±10 ms), K uniform on 20…60 lines per request.
    // Family s.single: one line per request at Poisson instants, its requests interleaved with
    // the other's; each family's instants are its own.
    const sizes: number[] = [];
    let poisson = t0;
    for (let i = 0; i < 800; i++) {
      const t = t0 + i * 250 + Math.round((rng.next() - 0.5) * 20);
      const k = 20 + Math.floor(rng.next() * 41);
      sizes.push(k);
      const lines = Array.from({ length: k }, (_, j) => `c.clumped ${j} source=h${j % 5}`);
      while (poisson < t) {
        reqs.push({ t: poisson, body: 's.single 1 source=x\n' });
        poisson += Math.max(1, Math.round(-Math.log(1 - rng.next()) * 400));
      }
      reqs.push({ t, body: lines.join('\n') + '\n' });
    }
    const o = await profileCaptured(root, reqs);
    const c = o.recipes.find((r) => r.family.name === 'c.clumped')!.arrivals.clumps!;
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    const varK = sizes.reduce((a, b) => a + (b - mean) ** 2, 0) / sizes.length;
    assert.equal(c.lines.n, 800);
    assert.ok(Math.abs(c.lines.mean - mean) < 1e-9 * mean, `${c.lines.mean} vs ${mean}`);
    // Gaps 250 ± U(−10, 10) twice: CV² = 2 × (20²/12) / 250² ≈ 0.001.
    assert.ok(c.gapCv2 < 0.01, `gapCv2 ${c.gapCv2}`);
    const want = varK / mean + c.gapCv2 * mean;
    assert.ok(Math.abs(c.dispersion - want) < 0.1 * want, `dispersion ${c.dispersion} vs ${want}`);
    const single = o.recipes.find((r) => r.family.name === 's.single')!.arrivals.clumps!;
    assert.equal(single.lines.mean, 1);
    assert.ok(Math.abs(single.gapCv2 - 1) < 0.3, `Poisson instants: gapCv2 ${single.gapCv2}`);
    // On plain files the time axis is the lines' own timestamps: no clumps.
    const plain = join(root, 'plain.wf');
    writeFileSync(
      plain,
      'c.plain 1 1795000000 source=a\nc.plain 2 1795000000 source=b\n'.repeat(50),
    );
    const p = await profile(base(plain, join(root, 'p')));
    assert.equal(p.recipes[0]!.arrivals.clumps ?? null, null);
  });
});

test('value pairs: the source takes part as a key, pair counts are lines (a host keeps its region)', async () => {
  await inTmp(async (root) => {
    const lines = [];
    const hosts: [string, string, number][] = [
      ['web-1', 'us', 30],
      ['web-2', 'eu', 10],
      ['web-3', 'eu', 5],
    ];
    for (const [host, region, n] of hosts)
      for (let i = 0; i < n; i++)
        lines.push(`app.up 1 ${1795000000 + i * 60} source=${host} region=${region} team=core`);
    writeFileSync(join(root, 'p.wf'), lines.join('\n') + '\n');
    const o = await profile(base(join(root, 'p.wf'), join(root, 'o')));
    const vp = o.recipes[0]!.series.valuePairs;
    assert.equal(vp[0]!.a, SOURCE_PAIR_KEY);
    assert.equal(vp[0]!.b, 'region');
    assert.deepEqual(vp[0]!.pairs, hosts);
    assert.ok(vp[0]!.mutualInformation > 0.9, `${vp[0]!.mutualInformation}`);
    // A key constant across series tells nothing about the source.
    const team = vp.find((p) => p.a === SOURCE_PAIR_KEY && p.b === 'team')!;
    assert.equal(team.mutualInformation, 0);
  });
});

test('privacy: values seen fewer than k times leave only as same-shape tokens; --hash-names hashes', async () => {
  await inTmp(async (root) => {
    const lines = [];
    for (let i = 0; i < 60; i++)
      lines.push(`svc.up 1 ${1795000000 + i * 60} source=common-host-01 team=core`);
    lines.push(`svc.up 1 ${1795000000 + 61 * 60} source=secret-host-77 team=core`);
    writeFileSync(join(root, 'p.wf'), lines.join('\n') + '\n');
    const k = await profile(base(join(root, 'p.wf'), join(root, 'k'), { k: 5 }));
    const json = JSON.stringify(k.recipes);
    assert.ok(!json.includes('secret-host-77'));
    assert.ok(json.includes('common-host-01'));
    const tok = k.recipes[0]!.series.sources.top.find((t) => t.synthetic)!;
    assert.match(tok.v, /^[a-z]{6}-[a-z]{4}-\d\d$/);
    const h = await profile(
      base(join(root, 'p.wf'), join(root, 'h'), { hashNames: true, salt: 's3cret' }),
    );
    const hj = JSON.stringify(h.recipes);
    for (const raw of ['svc.up', 'common-host-01', 'secret-host-77', '"core"'])
      assert.ok(!hj.includes(raw), raw);
    assert.equal(h.global.privacy.mode, 'hashed');
    assert.equal(h.global.privacy.salted, true);
  });
});

test('regression: raw deletion recognises a part whose first frame is larger than the head it reads', async () => {
  await inTmp(async (root) => {
    const cap = join(root, 'capture');
    mkdirSync(cap);
    // Random series names keep the frame from compressing below the 1 MiB head deletion reads.
    const lines = [];
    for (let i = 0; i < 45_000; i++)
      lines.push(`big.m ${i} source=${randomBytes(24).toString('hex')}`);
    const part = capturePart([{ t: 1_795_000_000_000, body: lines.join('\n') + '\n' }]);
    assert.ok(part.length > 1 << 20, `part is ${part.length} bytes`);
    writeFileSync(join(cap, 'part-w1-000000.wf.zst'), part);
    await profile(base(cap, join(root, 'out')));
    const d = await deleteRaw({ input: cap, output: join(root, 'out'), minCoverage: 0.999 });
    assert.deepEqual(d, { deleted: 1, absent: 0, changed: 0, refused: null });
    assert.ok(!existsSync(join(cap, 'part-w1-000000.wf.zst')));
  });
});

test('regression: a gs:// output root honours --gcs-endpoint (it was opened against real GCS)', async () => {
  const root = tmp();
  const fake = await StrictGcs.start(['wflg-test']);
  try {
    const lines = [];
    for (let i = 0; i < 200; i++)
      lines.push(`svc.up ${i % 7} ${1795000000 + i * 10} source=h${i % 3}`);
    writeFileSync(join(root, 'in.wf'), lines.join('\n') + '\n');
    const r = await profile(
      base(join(root, 'in.wf'), 'gs://wflg-test/out', { gcsEndpoint: fake.endpoint }),
    );
    const store = await openStore('gs://wflg-test/out', { gcsEndpoint: fake.endpoint });
    try {
      const ok = JSON.parse((await store.readAll('_PROFILE_OK')).data.toString()) as {
        runId: string;
      };
      assert.equal(ok.runId, r.runId);
      const g = await store.readAll('recipes/v1/global.json.zst');
      assert.equal(
        validateGlobalRecipe(
          JSON.parse(
            native()
              .decodeFrames(g.data, 1 << 26)
              .data.toString(),
          ),
        ).run.id,
        r.runId,
      );
    } finally {
      await store.close();
    }
  } finally {
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('raw deletion: refused without _PROFILE_OK or below coverage, then deletes exactly the profiled parts', async () => {
  await inTmp(async (root) => {
    syntheticCapture(root, 2, 20);
    const cap = join(root, 'capture');
    const other = join(root, 'capture', 'keep-me.txt');
    writeFileSync(other, 'not a part');
    const none = await deleteRaw({ input: cap, output: join(root, 'out'), minCoverage: 0.999 });
    assert.match(none.refused ?? '', /_PROFILE_OK/);
    await profile(base(cap, join(root, 'out')));
    const high = await deleteRaw({ input: cap, output: join(root, 'out'), minCoverage: 1.01 });
    assert.ok(high.refused);
    // A part written after profiling (a new one) is not listed, so it stays.
    const late = join(partDir(cap), 'part-w1-000009.wf.zst');
    writeFileSync(late, capturePart([{ t: 1, body: 'x 1 source=a\n' }]));
    const d = await deleteRaw({ input: cap, output: join(root, 'out'), minCoverage: 0.999 });
    assert.deepEqual(d, { deleted: 2, absent: 0, changed: 0, refused: null });
    assert.ok(existsSync(late) && existsSync(other));
  });
});

test('value lag-1 of series split over capture parts, with NaN values: consecutive parts join, overlapping ones are not made up (regression: a high-level series read as lag-1 −1)', async () => {
  // Four series at levels 1000…4000 with AR(1) noise (ρ = 0.6), 600 points each, cut into parts:
  // three consecutive parts, then two whose times overlap (as when one series goes through two hosts).
  const rng = new Rng(5);
  const t0 = 1_795_000_000_000;
  const points: Array<{ t: number; line: string }[]> = [[], [], [], []];
  for (let s = 0; s < 4; s++) {
    let x = 0;
    for (let i = 0; i < 600; i++) {
      x = 0.6 * x + rng.normal();
      const t = t0 + i * 1000 + s;
      // NaN now and then, at part boundaries too (150, 300): skipped without biasing the rest.
      const nan = i % 97 === 13 || i === 150 || i === 299;
      const v = nan ? 'NaN' : (1000 * (s + 1) + x).toFixed(4);
      points[s]!.push({ t, line: `lvl.gauge ${v} source=h${s}` });
    }
  }
  const req = (i: number) => ({
    t: t0 + i * 1000 + 10,
    body: points.map((p) => p[i]!.line).join('\n') + '\n',
  });
  await inTmp(async (root) => {
    const d = partDir(join(root, 'capture'));
    mkdirSync(d, { recursive: true });
    const ranges: Array<number[]> = [
      [...Array(150).keys()],
      [...Array(150).keys()].map((i) => i + 150),
      [...Array(100).keys()].map((i) => i + 300),
      // Overlapping in time: the last part's points fall inside the span of the one before.
      [...[...Array(100).keys()].map((i) => i + 400), ...[...Array(60).keys()].map((i) => i + 540)],
      [...Array(40).keys()].map((i) => i + 500),
    ];
    ranges.forEach((idx, p) => {
      writeFileSync(
        join(d, `part-w1-${String(p).padStart(6, '0')}.wf.zst`),
        capturePart(idx.map(req)),
      );
    });
    await profile(base(join(root, 'capture'), join(root, 'out'), { workers: 2 }));
    const r = readRecipes(join(root, 'out')).find((x) => x.family.name === 'lvl.gauge')!;
    const rho = r.values!.lag1Autocorrelation;
    assert.ok(Math.abs(rho - 0.6) < 0.06, `lag-1 ${rho}`);
  });
});
