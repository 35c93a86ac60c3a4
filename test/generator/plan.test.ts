import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compileFamily } from '../../src/generator/model.js';
import { Out } from '../../src/generator/out.js';
import { Planner, SLOT_MS } from '../../src/generator/plan.js';
import { DEFAULT_SCENARIO, familyMatcher, updateScenario } from '../../src/generator/scenario.js';
import { FamilySynth } from '../../src/generator/synth.js';
import { Rng } from '../../src/lib/rng.js';
import { validateRecipe, type Recipe } from '../../src/lib/recipe.js';
import { WavefrontParser } from '../../src/lib/wavefront.js';
import { isWflgError } from '../../src/lib/errors.js';
import { KEYS, llmPair, recipe } from './recipes.js';

const EPOCH = 1732233600000;
/** 5 sources × 2 × 5 = 50 identities. */
const KEYS_50 = { ...KEYS, role: [...KEYS.role!, ['auth', 1] as [string, number]] };

/** `r` with every series `lagMs` behind its planned time and stamps aligned to `alignSeconds`. */
function withStamps(r: Recipe, lagMs: number, alignSeconds = 0): Recipe {
  return {
    ...r,
    timestamps: {
      ...r.timestamps,
      alignmentSeconds: alignSeconds,
      alignedShare: alignSeconds > 0 ? 1 : 0,
      lagMs: {
        ...r.timestamps.lagMs,
        q: [
          [0, lagMs],
          [1, lagMs],
        ],
        min: lagMs,
        max: lagMs,
        mean: lagMs,
      },
    },
  };
}

/** Asserts no series has two points stamped in one second; returns the stamps' count on `gridMs`. */
function onePointPerSecond(body: Buffer, gridMs = 1000): number {
  const b = new WavefrontParser().parse(body);
  const seen = new Set<string>();
  let onGrid = 0;
  for (let i = 0; i < b.length; i++) {
    if (b.kind(i) === 'blank') continue;
    const key = `${b.seriesId(i)}@${b.timestampMs(i)}`;
    assert.ok(!seen.has(key), `two points of one series filed under one second: ${key}`);
    seen.add(key);
    if (b.timestampMs(i)! % gridMs === 0) onGrid++;
  }
  return onGrid;
}
const fams = () => [
  compileFamily(recipe({ name: 'a.gauge', rate: 100 })),
  compileFamily(recipe({ name: 'b.bursty', rate: 50, hawkes: { branching: 0.5, beta: 2 } })),
];

/** `lines` lines (one per series by default) of a universe of `n`; the distinct captures of `re`
 * per line, joined by '/'. */
function pairsSeen(
  r: Recipe,
  n: number,
  re: RegExp,
  lines = n,
): { n: number; seen: string[]; collisions: number } {
  const syn = new FamilySynth(compileFamily(r), 0, 1);
  syn.setUniverse(n);
  const out = new Out(1 << 20);
  const written = syn.emit(out, lines, EPOCH, new Rng(5), 0, 0);
  const seen = new Set<string>();
  for (const l of out.take().toString().split('\n')) {
    const m = re.exec(l);
    if (m) seen.add(m.slice(1).join('/'));
  }
  return { n: written, seen: [...seen].sort(), collisions: syn.collisions };
}

function run(p: Planner, slots: number): number[] {
  const out: number[] = [];
  for (let s = 0; s < slots; s++) {
    p.draw(EPOCH + s * SLOT_MS);
    out.push(...p.counts);
  }
  return out;
}

test('plan: same seed, shard and scenario give the same counts; another seed does not', () => {
  const a = run(new Planner(fams(), DEFAULT_SCENARIO, 7, 0, 1, EPOCH), 500);
  const b = run(new Planner(fams(), DEFAULT_SCENARIO, 7, 0, 1, EPOCH), 500);
  const c = run(new Planner(fams(), DEFAULT_SCENARIO, 8, 0, 1, EPOCH), 500);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('plan: the realised total follows the target intensity, bursts add variance not volume', () => {
  // 600 s of plan: Poisson family expects 60 000 lines (sd ≈ 245); Hawkes n=0.5 has sd ≈ 2×.
  const p = new Planner(fams(), DEFAULT_SCENARIO, 1, 0, 1, EPOCH);
  const counts = run(p, 60_000);
  const a = counts.filter((_, i) => i % 2 === 0).reduce((x, y) => x + y, 0);
  const b = counts.filter((_, i) => i % 2 === 1).reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(a - 60_000) < 6 * 245, `poisson total ${a}`);
  assert.ok(Math.abs(b - 30_000) < 6 * 2 * 173, `hawkes total ${b}`);
  assert.equal(p.planned, a + b);
  assert.ok(Math.abs(p.expected - 90_000) < 1e-6 * 90_000);
});

test('plan: an under-dispersed family keeps its index of dispersion at every bucket width, and its mean', () => {
  // Regular scrapes: counts per bucket vary less than Poisson (D = 0.2). Poisson arrivals alone
  // would give D = 1; the regular share keeps the mean and cuts the variance to D × the mean.
  const regular = { ...recipe({ name: 'c.scraped', rate: 40 }) };
  regular.arrivals = { ...regular.arrivals, dispersionIndex: 0.2 };
  const models = [compileFamily(regular), compileFamily(recipe({ name: 'd.poisson', rate: 40 }))];
  const p = new Planner(models, DEFAULT_SCENARIO, 3, 0, 1, EPOCH);
  const counts = run(p, 200_000);
  const idc = (family: number, slotsPerBucket: number): { idc: number; mean: number } => {
    const b: number[] = [];
    for (let s = 0; s + slotsPerBucket <= counts.length / 2; s += slotsPerBucket) {
      let n = 0;
      for (let k = s; k < s + slotsPerBucket; k++) n += counts[2 * k + family]!;
      b.push(n);
    }
    const mean = b.reduce((x, y) => x + y, 0) / b.length;
    const v = b.reduce((x, y) => x + (y - mean) ** 2, 0) / (b.length - 1);
    return { idc: v / mean, mean };
  };
  for (const slots of [100, 1000]) {
    const r = idc(0, slots);
    const q = idc(1, slots);
    const want = (40 * slots * SLOT_MS) / 1000;
    assert.ok(Math.abs(r.idc - 0.2) < 0.06, `regular D at ${slots} slots: ${r.idc}`);
    assert.ok(Math.abs(q.idc - 1) < 0.2, `poisson D at ${slots} slots: ${q.idc}`);
    assert.ok(Math.abs(r.mean - want) < 0.01 * want, `regular mean ${r.mean} vs ${want}`);
  }
});

test('plan: absolute rate, multiplier, shards, family globs and pause', () => {
  const total = (s: typeof DEFAULT_SCENARIO, shards = 1) => {
    const p = new Planner(fams(), s, 3, 0, shards, EPOCH);
    run(p, 1000);
    return p.expected;
  };
  assert.ok(Math.abs(total(updateScenario(DEFAULT_SCENARIO, { rate: 1000 })) - 10_000) < 1e-6);
  assert.ok(Math.abs(total(updateScenario(DEFAULT_SCENARIO, { multiplier: 3 })) - 4500) < 1e-6);
  // Four shards of the 50-series families hold 13, 13, 12 and 12 series: each plans its share.
  const shards = [0, 1, 2, 3].map((shard) => {
    const p = new Planner(fams(), DEFAULT_SCENARIO, 3, shard, 4, EPOCH);
    run(p, 1000);
    return p.expected;
  });
  assert.ok(Math.abs(shards[0]! - (1500 * 13) / 50) < 1e-6, `${shards[0]}`);
  assert.ok(Math.abs(shards[3]! - (1500 * 12) / 50) < 1e-6, `${shards[3]}`);
  assert.ok(Math.abs(shards.reduce((a, b) => a + b, 0) - 1500) < 1e-6);
  assert.ok(Math.abs(total(updateScenario(DEFAULT_SCENARIO, { families: ['a.*'] })) - 1000) < 1e-6);
  const paused = new Planner(
    fams(),
    updateScenario(DEFAULT_SCENARIO, { paused: true }),
    3,
    0,
    1,
    EPOCH,
  );
  assert.ok(run(paused, 1000).every((n) => n === 0));
});

test('plan and synthesis: a universe smaller than the shard count is sent by the shards that hold its series, at the whole rate (regression: each of 4 shards made up a series of a 2-series family)', () => {
  // Ten identities (5 sources × 2 envs), enough for each shard to find one in its residue class.
  const m = compileFamily(recipe({ name: '∆small', kind: 'delta', rate: 100, series: 2 }));
  const seen = new Set<string>();
  let expected = 0;
  let lines = 0;
  for (let shard = 0; shard < 4; shard++) {
    const p = new Planner([m], DEFAULT_SCENARIO, 3, shard, 4, EPOCH);
    const syn = new FamilySynth(m, shard, 4);
    syn.setUniverse(2);
    assert.equal(syn.activeSeries, shard < 2 ? 1 : 0);
    assert.equal(syn.collisions, 0);
    const out = new Out(4 << 20);
    for (let s = 0; s < 1000; s++) {
      p.draw(EPOCH + s * SLOT_MS);
      if (shard >= 2) assert.equal(p.counts[0], 0, `shard ${shard} plans no lines`);
      lines += syn.emit(out, p.counts[0]!, EPOCH + s * SLOT_MS, new Rng(s), 0, 0);
    }
    expected += p.expected;
    const b = new WavefrontParser().parse(out.take());
    for (let i = 0; i < b.length; i++) if (b.kind(i) !== 'blank') seen.add(b.seriesId(i));
  }
  // 100 lines/s for 10 s over all shards, from the recipe's two series only.
  assert.ok(Math.abs(expected - 1000) < 1e-6, `${expected}`);
  assert.ok(Math.abs(lines - 1000) < 4 * Math.sqrt(1000), `${lines}`);
  assert.equal(seen.size, 2);
});

test('synthesis: shards of a family with few identities send distinct series (regression: residue classes of 2 identities over 4 shards made both shards send one)', () => {
  for (const shards of [2, 3, 8]) {
    const m = compileFamily(llmPair('delta', '∆llm.shards'));
    const seen: string[] = [];
    for (let shard = 0; shard < shards; shard++) {
      const syn = new FamilySynth(m, shard, shards);
      syn.setUniverse(2);
      assert.equal(syn.collisions, 0, `${shards} shards, shard ${shard}`);
      if (syn.activeSeries === 0) continue;
      const out = new Out(1 << 16);
      syn.emit(out, 1, EPOCH, new Rng(1), 0, 0);
      const b = new WavefrontParser().parse(out.take());
      seen.push(b.seriesId(0));
    }
    assert.equal(new Set(seen).size, 2, `${shards} shards: ${seen.join(' ')}`);
  }
});

test("plan and synthesis: shards split a small events family's lines by its series' weights, as one worker sends them", () => {
  for (const shards of [1, 2, 4]) {
    const m = compileFamily(llmPair('delta', '∆llm.split'));
    let conv = 0;
    let lines = 0;
    let expected = 0;
    for (let shard = 0; shard < shards; shard++) {
      const syn = new FamilySynth(m, shard, shards);
      const p = new Planner([m], DEFAULT_SCENARIO, 3, shard, shards, EPOCH, (_i, n) =>
        syn.lineShare(n),
      );
      syn.setUniverse(2);
      const out = new Out(4 << 20);
      for (let s = 0; s < 2000; s++) {
        p.draw(EPOCH + s * SLOT_MS);
        syn.emit(out, p.counts[0]!, EPOCH + s * SLOT_MS, new Rng(s), 0, 0);
      }
      expected += p.expected;
      const b = new WavefrontParser().parse(out.take());
      for (let i = 0; i < b.length; i++) {
        if (b.kind(i) === 'blank') continue;
        lines++;
        if (new Map(b.tags(i)).get('workload') === 'conversation') conv++;
      }
    }
    assert.ok(Math.abs(expected - 2000) < 1e-6, `${shards} shards: expected ${expected}`);
    // ~2,000 Poisson lines: the share within 4 standard errors of 69 %.
    assert.ok(Math.abs(conv / lines - 0.6871) < 0.045, `${shards} shards: ${conv}/${lines}`);
  }
});

test('plan: a change ramps linearly over rampSeconds from what was in force', () => {
  const p = new Planner(fams(), updateScenario(DEFAULT_SCENARIO, { rate: 1000 }), 3, 0, 1, EPOCH);
  p.setScenario(updateScenario(DEFAULT_SCENARIO, { rate: 3000, rampSeconds: 10 }), EPOCH);
  const at = (ms: number) => {
    p.expected = 0;
    p.draw(EPOCH + ms);
    return (p.expected * 1000) / SLOT_MS;
  };
  assert.ok(Math.abs(at(0) - 1000) < 1e-6);
  assert.ok(Math.abs(at(5000) - 2000) < 1e-6);
  assert.ok(Math.abs(at(10_000) - 3000) < 1e-6);
  assert.ok(Math.abs(at(20_000) - 3000) < 1e-6);
});

test('scenario: every problem is reported at once; unknown keys are refused', () => {
  try {
    updateScenario(DEFAULT_SCENARIO, {
      multiplier: -1,
      mode: 'warp',
      rate: 0,
      bogus: 1,
      families: [3],
    });
    assert.fail('accepted');
  } catch (err) {
    assert.ok(isWflgError(err, 'WFLG_E_USAGE'));
    assert.equal((err.details?.problems as string[]).length, 5);
  }
  assert.throws(
    () => updateScenario(DEFAULT_SCENARIO, [1]),
    (e) => isWflgError(e, 'WFLG_E_USAGE'),
  );
  const m = familyMatcher(['cpu.*', 'disk.?']);
  assert.ok(m('cpu.load') && m('disk.a') && !m('disk.ab') && !m('mem.used'));
});

test('Out writes numbers exactly as JS prints them', () => {
  const out = new Out(64);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (v) => {
      out.pos = 0;
      out.uint(v);
      return out.buf.toString('latin1', 0, out.pos) === String(v);
    }),
  );
  fc.assert(
    fc.property(
      fc.double({ min: -1e9, max: 1e9, noNaN: true }),
      fc.integer({ min: 0, max: 6 }),
      (v, d) => {
        out.pos = 0;
        out.fixed(v, d);
        const got = Number(out.buf.toString('latin1', 0, out.pos));
        return Math.abs(got - v) <= 0.5 / 10 ** d + Math.abs(v) * 1e-15;
      },
    ),
  );
});

test('Out.take hands over bytes that later writes never touch, short batch or long', () => {
  const out = new Out(64);
  for (const len of [3, 40]) {
    const fill = (c: number): void => {
      for (let i = 0; i < len; i++) out.byte(c);
      out.lines = 1;
    };
    fill(97);
    const first = out.take();
    assert.equal(out.pos, 0);
    assert.equal(out.lines, 0);
    fill(98);
    const second = out.take();
    assert.equal(first.toString('latin1'), 'a'.repeat(len), `${len} bytes`);
    assert.equal(second.toString('latin1'), 'b'.repeat(len), `${len} bytes`);
  }
});

test('synthesis: every kind renders lines the proxy parser accepts; metrics keep one point per series per second, ∆/histograms/spans may repeat', () => {
  const kinds = ['metric', 'delta', 'histogram_m', 'span'] as const;
  for (const kind of kinds) {
    const name = kind === 'delta' ? '∆x.count' : `x.${kind}`;
    const m = compileFamily(recipe({ name, kind, rate: 10, series: 20, keys: KEYS_50 }));
    const syn = new FamilySynth(m, 0, 1);
    syn.setUniverse(20);
    const out = new Out(1 << 20);
    const rng = new Rng(1);
    let lines = 0;
    for (let s = 0; s < 5; s++) lines += syn.emit(out, 30, EPOCH + s * 1000, rng, 0, 0);
    if (kind === 'metric') {
      // Of the 50 over 20 series × 5 s, one per series waits for a later slot; the rest are capped.
      assert.equal(lines, 100, 'at most 20 series × 5 s');
      assert.equal(syn.owed, 20);
      assert.equal(syn.counters.capped, 30);
    } else {
      // Summed (∆), merged (histograms) or event-like (spans): every planned line is sent.
      assert.equal(lines, 150);
      assert.equal(syn.counters.capped, 0);
    }
    assert.equal(syn.collisions, 0, '50 combinations hold 20 distinct identities');
    const body = out.take();
    const parser = new WavefrontParser({ format: kind === 'span' ? 'trace' : 'auto' });
    const b = parser.parse(body);
    const seen = new Set<string>();
    for (let i = 0; i < b.length; i++) {
      if (b.kind(i) === 'blank') continue;
      assert.ok(b.ok(i), `${kind}: ${b.code(i)} ${b.lineText(i)}`);
      assert.equal(b.familyId(i), m.id, `${kind}: the recipe's family`);
      if (kind === 'metric') {
        const key = `${b.seriesId(i)}@${b.timestampMs(i)}`;
        assert.ok(!seen.has(key), `${kind}: two points of one series in one second`);
        seen.add(key);
      }
    }
  }
});

test("synthesis: histogram lines write their means with one precision each, drawn from the recipe's meanDecimals (3 without it)", () => {
  /** Per line, the set of digit counts after the point of its means. */
  const precisions = (r: Recipe): number[][] => {
    const syn = new FamilySynth(compileFamily(r), 0, 1);
    syn.setUniverse(20);
    const out = new Out(1 << 20);
    syn.emit(out, 400, EPOCH, new Rng(3), 0, 0);
    return out
      .take()
      .toString()
      .split('\n')
      .filter(Boolean)
      .map((l) => [
        ...new Set([...l.matchAll(/#\d+ -?\d+(?:\.(\d+))?/g)].map((m) => m[1]?.length ?? 0)),
      ]);
  };
  const r = recipe({
    name: 'x.hist.dec',
    kind: 'histogram_m',
    rate: 10,
    series: 20,
    keys: KEYS_50,
  });
  for (const p of precisions(r)) assert.deepEqual(p, [3]);
  r.histogram!.meanDecimals = [
    { digits: 1, share: 0.5 },
    { digits: 8, share: 0.5 },
  ];
  const lines = precisions(validateRecipe(r));
  for (const p of lines) assert.equal(p.length, 1, `one precision per line: ${p.join(', ')}`);
  const eight = lines.filter((p) => p[0] === 8).length / lines.length;
  assert.ok(lines.every((p) => p[0] === 1 || p[0] === 8));
  assert.ok(Math.abs(eight - 0.5) < 0.1, `share of 8-digit lines ${eight}`);
});

test('synthesis: value precision is drawn per line, so a family of one series shows its mix (regression: one precision per series)', () => {
  const r = recipe({ name: 'x.one.series', rate: 10, series: 1 });
  r.values!.decimals = [
    { digits: 2, share: 0.75 },
    { digits: 14, share: 0.25 },
  ];
  const syn = new FamilySynth(compileFamily(validateRecipe(r)), 0, 1);
  syn.setUniverse(1);
  const out = new Out(1 << 20);
  for (let s = 0; s < 400; s++) syn.emit(out, 1, EPOCH + s * 1000, new Rng(s), 0, 0);
  const digits = out
    .take()
    .toString()
    .split('\n')
    .filter(Boolean)
    .map((l) => /^"?x\.one\.series"? -?\d+(?:\.(\d+))?/.exec(l)![1]?.length ?? 0);
  assert.equal(digits.length, 400);
  // 14 digits past 10 overflow the fixed-point range and print as JS's shortest form (≥ 10 here).
  assert.ok(digits.every((d) => d === 2 || d >= 10));
  const long = digits.filter((d) => d >= 10).length / digits.length;
  assert.ok(Math.abs(long - 0.25) < 0.07, `share of 14-digit values ${long}`);
});

test('synthesis: one point per series per second holds for the second a point is filed under, lag included', () => {
  // Series lag 0–500 ms behind their planned time: planned at x.990 s and (x+1).000 s, a series'
  // two points would both be stamped in second x.
  const m = compileFamily(
    recipe({ name: 'x.gauge', kind: 'metric', rate: 10, series: 8, keys: KEYS_50 }),
  );
  const syn = new FamilySynth(m, 0, 1);
  syn.setUniverse(8);
  const out = new Out(1 << 20);
  const rng = new Rng(9);
  const early = syn.emit(out, 8, EPOCH + 990, rng, 0, 0);
  const late = syn.emit(out, 8, EPOCH + 1000, rng, 0, 0);
  assert.equal(early, 8);
  assert.ok(
    late < 8 && syn.owed === 8 - late && syn.counters.capped === 0,
    `${late} more lines, ${syn.owed} owed, ${syn.counters.capped} capped`,
  );
  onePointPerSecond(out.take());
});

test("synthesis: lines that find their series' second taken wait for a later slot instead of being lost, one per series at most", () => {
  // A 2-series gauge family at 1.2 lines/s drawn Poisson per slot sends 2 lines in one second
  // a fifth of the time; capping them lost that share of its volume (the demo's CloudWatch
  // pairs). Owed lines go out in later slots, each series still once a second.
  const m = compileFamily(recipe({ name: 'x.pair', kind: 'metric', rate: 1.2, series: 2 }));
  const syn = new FamilySynth(m, 0, 1);
  syn.setUniverse(2);
  const out = new Out(1 << 20);
  const rng = new Rng(4);
  let written = 0;
  for (let slot = 0; slot < 60_000; slot++) {
    const n = rng.poisson(1.2 * (SLOT_MS / 1000)) + syn.takeOwed();
    if (n > 0) written += syn.emit(out, n, EPOCH + slot * SLOT_MS, rng, 0, 0);
    assert.ok(syn.owed <= 2, 'at most one owed line per series');
  }
  onePointPerSecond(out.take());
  // Capping alone lost ~20 %; a line is now lost only when 3 wait at once for 2 series.
  assert.ok(syn.counters.capped < 0.01 * written, `${syn.counters.capped} capped of ${written}`);
  assert.ok(Math.abs(written / 720 - 1) < 0.05, `${written} lines of ~720 planned in 600 s`);
  // Over capacity (3 lines a second for 2 series), the excess past one owed per series is capped.
  const over = new FamilySynth(m, 0, 1);
  over.setUniverse(2);
  for (let sec = 0; sec < 10; sec++) over.emit(out, 3, EPOCH + sec * 1000, rng, 0, 0);
  assert.equal(over.owed, 2);
  assert.equal(over.counters.capped, 10 - 2);
  // A universe shrunk since: what one series cannot send is capped, not silently dropped.
  over.setUniverse(1);
  assert.equal(over.takeOwed(), 1);
  assert.equal(over.counters.capped, 10 - 2 + 1);
  assert.equal(over.owed, 0);
});

test('synthesis: alignment gives way, not the point, when a series is sent more often than its alignment', () => {
  // 8 series aligned to 10 s, each sent every 2 s (a time-compressed capture, or --time-scale 5):
  // aligned stamps alone would file five points of a series under one second.
  const aligned = withStamps(
    recipe({ name: 'x.gauge', kind: 'metric', rate: 4, series: 8, keys: KEYS_50 }),
    0,
    10,
  );
  for (const [gapMs, perCall] of [
    [2000, 8],
    [10_000, 8],
  ] as const) {
    const syn = new FamilySynth(compileFamily(aligned), 0, 1);
    syn.setUniverse(8);
    const out = new Out(1 << 20);
    const rng = new Rng(3);
    let written = 0;
    const calls = 20;
    for (let c = 0; c < calls; c++)
      written += syn.emit(out, perCall, EPOCH + 10_000 + c * gapMs, rng, 0, 0);
    assert.equal(written, calls * perCall, `every ${gapMs} ms: no point dropped`);
    assert.equal(syn.counters.capped, 0);
    const onGrid = onePointPerSecond(out.take(), 10_000);
    if (gapMs === 10_000)
      assert.equal(onGrid, written, 'a series sent once per alignment stays aligned');
    else {
      // Each series gets one aligned stamp per 10 s window, then its unaligned seconds.
      assert.equal(onGrid, ((calls * gapMs) / 10_000) * 8);
    }
  }
});

test('synthesis: a reload whose lag is longer does not cap the series until time catches up', () => {
  const r = recipe({ name: 'x.gauge', kind: 'metric', rate: 8, series: 8, keys: KEYS_50 });
  const before = new FamilySynth(compileFamily(withStamps(r, 0)), 0, 1);
  before.setUniverse(8);
  const out = new Out(1 << 20);
  const rng = new Rng(4);
  assert.equal(before.emit(out, 8, EPOCH + 20_000, rng, 0, 0), 8);
  const after = new FamilySynth(compileFamily(withStamps(r, 5000)), 0, 1);
  after.adopt(before);
  assert.equal(after.emit(out, 8, EPOCH + 21_000, rng, 0, 0), 8, 'stamped 16 s in, not capped');
  assert.equal(after.counters.capped, 0);
});

test('synthesis: ms timestamps spread across the slot in order; second timestamps do not move', () => {
  for (const unit of ['ms', 's'] as const) {
    const r = recipe({ name: '∆x.count', kind: 'delta', rate: 10, series: 5, keys: KEYS_50 });
    const ts = r.timestamps as { unit: string; lagMs: Recipe['timestamps']['lagMs'] };
    ts.unit = unit;
    ts.lagMs = {
      ...ts.lagMs,
      min: 0,
      max: 0,
      mean: 0,
      q: [
        [0, 0],
        [1, 0],
      ],
    };
    const syn = new FamilySynth(compileFamily(r), 0, 1);
    syn.setUniverse(5);
    const out = new Out(1 << 16);
    const t0 = EPOCH + 3 * SLOT_MS;
    assert.equal(syn.emit(out, 40, t0, new Rng(3), 0, 0), 40);
    const b = new WavefrontParser().parse(out.take());
    const stamps: number[] = [];
    for (let i = 0; i < b.length; i++) if (b.kind(i) !== 'blank') stamps.push(b.timestampMs(i)!);
    assert.equal(stamps.length, 40);
    if (unit === 's') {
      assert.deepEqual(new Set(stamps), new Set([Math.floor(t0 / 1000) * 1000]));
      continue;
    }
    assert.ok(
      stamps.every((t) => t >= t0 && t < t0 + SLOT_MS),
      stamps.join(),
    );
    for (let i = 1; i < stamps.length; i++) assert.ok(stamps[i]! >= stamps[i - 1]!, 'in order');
    assert.equal(new Set(stamps).size, SLOT_MS, 'every ms of the slot is used');
    // The same slot in three calls (batches filling): still in order across the slot.
    const split = new FamilySynth(compileFamily(r), 0, 1);
    split.setUniverse(5);
    const o2 = new Out(1 << 16);
    const rng = new Rng(3);
    for (const [first, n] of [
      [0, 10],
      [10, 25],
      [35, 5],
    ] as const)
      split.emit(o2, n, t0, rng, 0, 0, first, 40);
    const b2 = new WavefrontParser().parse(o2.take());
    const s2: number[] = [];
    for (let i = 0; i < b2.length; i++) if (b2.kind(i) !== 'blank') s2.push(b2.timestampMs(i)!);
    for (let i = 1; i < s2.length; i++) assert.ok(s2[i]! >= s2[i - 1]!, `split: ${s2.join()}`);
    assert.ok(s2[0]! < t0 + 3 && s2[39]! >= t0 + SLOT_MS - 2, s2.join());
  }
});

test('synthesis: tokens are written as the capture quoted them, bare only where the parser reads them back unchanged', () => {
  const keys: Record<string, Array<[string, number]>> = {
    env: [
      ['prod', 1],
      ['dev', 1],
    ],
    '9zone': [
      ['a b', 1],
      ['x=y', 1],
      ['#h', 1],
      ['"q', 1],
      ["it's", 1],
      ['Zürich', 1],
      ['plain', 1],
    ],
  };
  const sources: Array<[string, number]> = [
    ['host-1', 1],
    ['web 2', 1],
  ];
  const render = (quoting: Recipe['quoting']) => {
    const r = recipe({ name: '∆x.quote', kind: 'delta', rate: 10, series: 200, keys, sources });
    const m = compileFamily({ ...r, quoting });
    const syn = new FamilySynth(m, 0, 1);
    syn.setUniverse(200);
    const out = new Out(1 << 20);
    syn.emit(out, 400, EPOCH, new Rng(3), 0, 0);
    const body = out.take();
    const b = new WavefrontParser({ format: 'auto' }).parse(body);
    const values = new Set(Object.values(keys).flatMap((vs) => vs.map(([v]) => v)));
    const tagsSeen = new Set<string>();
    for (let i = 0; i < b.length; i++) {
      if (b.kind(i) === 'blank') continue;
      assert.ok(b.ok(i), `${b.code(i)} ${b.lineText(i)}`);
      assert.equal(b.name(i), '∆x.quote');
      assert.ok(['host-1', 'web 2'].includes(b.source(i)!), b.lineText(i));
      for (const [k, v] of b.tags(i)) {
        assert.ok(values.has(v), `${k}=${v} read back from ${b.lineText(i)}`);
        tagsSeen.add(v);
      }
    }
    assert.ok(tagsSeen.size >= 8, 'the hostile values were written too');
    return body.toString();
  };
  const bare = render({ name: 0, source: 0, keys: 0, values: 0 });
  assert.match(bare, /^∆x\.quote \d/m);
  assert.match(bare, / source=host-1 /);
  assert.match(bare, / source="web 2"/);
  assert.match(bare, / env=(prod|dev)/);
  assert.match(
    bare,
    / "9zone"="a b"/,
    'a key with a leading digit and a value with a space are quoted',
  );
  assert.match(bare, / "9zone"=plain/);
  assert.doesNotMatch(bare, / "env"=/);
  const quoted = render({ name: 1, source: 1, keys: 1, values: 1 });
  assert.match(quoted, /^"∆x\.quote" \d/m);
  assert.match(quoted, / source="host-1"/);
  assert.match(quoted, / "env"="(prod|dev)"/);
  assert.doesNotMatch(quoted, /=plain/);
});

test('synthesis: malformed lines are injected at the set rate and rejected by the parser', () => {
  const m = compileFamily(recipe({ name: 'x.err', rate: 10, series: 1000 }));
  const syn = new FamilySynth(m, 0, 1);
  syn.setUniverse(1000);
  const out = new Out(1 << 20);
  const n = syn.emit(out, 1000, EPOCH, new Rng(2), 0.1, 0);
  const b = new WavefrontParser().parse(out.take());
  let rejected = 0;
  for (let i = 0; i < b.length; i++) if (b.kind(i) !== 'blank' && !b.ok(i)) rejected++;
  assert.equal(n, 1000);
  assert.equal(rejected, syn.counters.malformed);
  assert.ok(rejected > 60 && rejected < 140, `${rejected}`);
});

test('synthesis: a vocabulary too small for the universe is counted, not hidden', () => {
  const m = compileFamily(
    recipe({
      name: 'tiny',
      rate: 10,
      series: 30,
      sources: [['a', 1]],
      keys: {
        k: [
          ['x', 1],
          ['y', 1],
        ],
      },
    }),
  );
  const syn = new FamilySynth(m, 0, 1);
  syn.setUniverse(30);
  assert.equal(syn.collisions, 28, 'two identities exist');
});

test('synthesis: a full buffer leaves the next series its point and its lines are counted (regression: the series was marked sent, then skipped, and the lines before were not counted)', () => {
  const m = compileFamily(recipe({ name: 'x.full', rate: 10, series: 20, keys: KEYS_50 }));
  const syn = new FamilySynth(m, 0, 1);
  syn.setUniverse(20);
  assert.equal(syn.collisions, 0);
  // Room for a few lines per buffer, so rendering stops on a full buffer several times.
  const out = new Out(1400);
  const rng = new Rng(4);
  const series = new Set<string>();
  const parser = new WavefrontParser();
  let n = 20;
  let lines = 0;
  while (n > 0) {
    const before = syn.counters.capped;
    const w = syn.emit(out, n, EPOCH, rng, 0, 0);
    lines += w;
    n -= w + (syn.counters.capped - before);
    const b = parser.parse(out.take());
    for (let i = 0; i < b.length; i++) if (b.kind(i) !== 'blank') series.add(b.seriesId(i));
  }
  assert.equal(syn.counters.capped, 0);
  assert.equal(lines, 20);
  assert.equal(
    syn.counters.lines,
    20,
    'the per-family count includes lines written before a full buffer',
  );
  assert.equal(series.size, 20, 'every series of the universe sent once in this second');
});

test("synthesis: spans carry the recipe's co-occurring tag values like every other kind (regression: span tags were drawn independently)", () => {
  for (const kind of ['metric', 'span'] as const) {
    const r = recipe({
      name: `x.pair.${kind}`,
      kind,
      rate: 10,
      series: 40,
      keys: {
        env: [
          ['prod', 1],
          ['dev', 1],
        ],
        role: [
          ['web', 1],
          ['db', 1],
        ],
      },
    });
    r.series.valuePairs = [
      {
        a: 'env',
        b: 'role',
        mutualInformation: 1,
        pairs: [
          ['prod', 'web', 10],
          ['dev', 'db', 10],
        ],
      },
    ];
    const { n, seen } = pairsSeen(r, 10, /"env"="(\w+)" "role"="(\w+)"/);
    assert.equal(n, 10);
    assert.deepEqual(seen, ['dev/db', 'prod/web'], `${kind}: ${seen.join(', ')}`);
  }
});

test('synthesis: a source–tag pair keeps each source with its own tag values (regression: sources were drawn apart from tags, so a trace of two workloads came out as one)', () => {
  for (const kind of ['metric', 'delta', 'span'] as const) {
    const r = llmPair(kind, kind === 'delta' ? '∆x.src.pair' : `x.src.pair.${kind}`);
    // Events kinds send the two series by line share (69/31, weights.ts): 20 lines show both.
    const lines = kind === 'metric' ? 2 : 20;
    const { n, seen, collisions } = pairsSeen(
      r,
      2,
      /source="?([\w-]+)"?.*"workload"="(\w+)"/,
      lines,
    );
    assert.equal(collisions, 0);
    assert.equal(n, lines);
    assert.deepEqual(seen, ['azure-llm-code/code', 'azure-llm-conv/conversation'], kind);
  }
});
