import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { compileFamily } from '../../src/generator/model.js';
import { Out } from '../../src/generator/out.js';
import { FamilySynth, WEIGHTED_MAX } from '../../src/generator/synth.js';
import { rake, WeightedPicker, type Margin } from '../../src/generator/weights.js';
import { Rng } from '../../src/lib/rng.js';
import type { FamilyKind, Recipe } from '../../src/lib/recipe.js';
import { WavefrontParser } from '../../src/lib/wavefront.js';
import { llmPair, recipe } from './recipes.js';

const EPOCH = 1732233600000;

const margin = (cats: number[], target: number[]): Margin => ({
  cats: Int32Array.from(cats),
  target: Float64Array.from(target),
});

/** Each category's share of the weight under margin `m`. */
function shares(m: Margin, w: Float64Array, n: number): number[] {
  const s = new Array<number>(m.target.length).fill(0);
  let total = 0;
  for (let j = 0; j < n; j++) {
    s[m.cats[j]!]! += w[j]!;
    total += w[j]!;
  }
  return s.map((x) => x / total);
}

test('rake: one margin over two slots gives each its line share', () => {
  const m = margin(
    [0, 1],
    [19366, 8819].map((x) => x / 28185),
  );
  const w = new Float64Array(2);
  assert.ok(rake([m], 2, w) < 1e-5);
  const s = shares(m, w, 2);
  assert.ok(Math.abs(s[0]! - 0.6871) < 1e-4, `${s[0]}`);
});

test('rake: two keys whose margins can both hold are both met', () => {
  // Four slots cover the 2 × 2 combinations; env 80/20 and role 30/70 are both reachable.
  const env = margin([0, 0, 1, 1], [0.8, 0.2]);
  const role = margin([0, 1, 0, 1], [0.3, 0.7]);
  const w = new Float64Array(4);
  assert.ok(rake([env, role], 4, w) < 1e-5);
  assert.ok(Math.abs(shares(env, w, 4)[0]! - 0.8) < 1e-4);
  assert.ok(Math.abs(shares(role, w, 4)[0]! - 0.3) < 1e-4);
});

test('rake: categories no slot holds are left out and the rest renormalised', () => {
  // Value 1 (half the lines) has no series: the other two keep their 2:1 ratio between them.
  const m = margin([0, 2, 2], [1 / 3, 1 / 2, 1 / 6]);
  const w = new Float64Array(3);
  rake([m], 3, w);
  const s = shares(m, w, 3);
  assert.ok(Math.abs(s[0]! - 2 / 3) < 1e-4 && Math.abs(s[2]! - 1 / 3) < 1e-4, s.join(', '));
});

test('rake: conflicting, empty or hostile margins give finite positive weights', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 40 }),
      fc.array(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 6 }),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
      fc.integer(),
      (n, targets, seed) => {
        const rng = new Rng(seed >>> 0);
        const margins = targets.map((t) =>
          margin(
            Array.from({ length: n }, () => rng.u32() % t.length),
            t,
          ),
        );
        const w = new Float64Array(n);
        rake(margins, n, w);
        for (let j = 0; j < n; j++)
          assert.ok(Number.isFinite(w[j]) && w[j]! > 0, `w[${j}] = ${w[j]}`);
      },
    ),
  );
});

test('picker: sends each slot its share, at near-even intervals', () => {
  const w = Float64Array.from([5, 3, 1, 1]);
  const p = new WeightedPicker();
  p.set(w, 4);
  const n = 10_000;
  const count = [0, 0, 0, 0];
  const last = [-1, -1, -1, -1];
  const gaps = [new Set<number>(), new Set<number>(), new Set<number>(), new Set<number>()];
  for (let i = 0; i < n; i++) {
    const j = p.next();
    count[j]!++;
    if (last[j]! >= 0) gaps[j]!.add(i - last[j]!);
    last[j] = i;
  }
  count.forEach((c, j) => assert.ok(Math.abs(c / n - w[j]! / 10) < 0.002, `slot ${j}: ${c}`));
  // A golden-ratio sequence visits an interval with at most three distinct gaps (three-gap
  // theorem): no long droughts and no runs, unlike independent draws.
  for (const g of gaps) assert.ok(g.size <= 3, `gaps ${[...g].join(', ')}`);
});

const llm = (kind: FamilyKind): Recipe =>
  llmPair(kind, kind === 'delta' ? '∆llm.inference.requests' : 'llm.inference.load');

/** Share of `n` emitted lines whose workload is `conversation`, and the pairs seen. */
function conversationShare(
  r: Recipe,
  n: number,
  universe = r.series.count,
): { share: number; pairs: Set<string> } {
  const syn = new FamilySynth(compileFamily(r), 0, 1);
  syn.setUniverse(universe);
  const out = new Out(8 << 20);
  let written = 0;
  // Slots one second apart: plain metrics keep one point per series per second.
  for (let s = 0; written < n; s++)
    written += syn.emit(out, Math.min(2, n - written), EPOCH + s * 1000, new Rng(s), 0, 0);
  const b = new WavefrontParser().parse(out.take());
  let conv = 0;
  let lines = 0;
  const pairs = new Set<string>();
  for (let i = 0; i < b.length; i++) {
    if (b.kind(i) === 'blank') continue;
    lines++;
    const tags = new Map(b.tags(i));
    if (tags.get('workload') === 'conversation') conv++;
    pairs.add(`${b.source(i)}/${tags.get('workload')}`);
  }
  return { share: conv / lines, pairs };
}

test('synth: a small events family sends each series its line share, not an equal one', () => {
  const { share, pairs } = conversationShare(llm('delta'), 10_000);
  assert.ok(Math.abs(share - 19366 / 28185) < 0.005, `conversation share ${share}`);
  // The pair still ties each workload to its source.
  assert.deepEqual([...pairs].sort(), ['azure-llm-code/code', 'azure-llm-conv/conversation']);
});

test('synth: plain metrics stay round-robin (one point per series per interval)', () => {
  const { share } = conversationShare(llm('metric'), 2_000);
  assert.equal(share, 0.5);
});

test('synth: a universe past WEIGHTED_MAX round-robins as before', () => {
  // Past the bound every series sends once per round, whatever the tables' skew (identities
  // are distinct: 500 sources × 20 values, one value nine times as likely as the others).
  const r = recipe({
    name: '∆big',
    kind: 'delta',
    rate: 100,
    series: WEIGHTED_MAX + 1,
    sources: Array.from({ length: 500 }, (_, i) => [`h${i}`, 1] as [string, number]),
    keys: {
      k: Array.from({ length: 20 }, (_, i) => [`v${i}`, i === 0 ? 9 : 1] as [string, number]),
    },
  });
  const syn = new FamilySynth(compileFamily(r), 0, 1);
  syn.setUniverse(WEIGHTED_MAX + 1);
  const out = new Out(8 << 20);
  const written = syn.emit(out, 2 * (WEIGHTED_MAX + 1), EPOCH, new Rng(1), 0, 0);
  const b = new WavefrontParser().parse(out.take());
  const perSeries = new Map<string, number>();
  for (let i = 0; i < b.length; i++)
    if (b.kind(i) !== 'blank')
      perSeries.set(b.seriesId(i), (perSeries.get(b.seriesId(i)) ?? 0) + 1);
  assert.equal(written, 2 * (WEIGHTED_MAX + 1));
  assert.deepEqual(new Set(perSeries.values()), new Set([2]));
});

test('synth: after churn the weights are raked again for the reborn identities', () => {
  // 20 series over 50 sources × 2 envs (env 80/20 by lines). Raking weighs each series by its
  // source and env; churn gives a quarter of the slots new identities each time. The oracle: the
  // same raking over the identities seen in what was sent, against the lines each of them sent.
  const sources = Array.from({ length: 50 }, (_, i) => [`h${i}`, 1] as [string, number]);
  const r = recipe({
    name: '∆churned',
    kind: 'delta',
    rate: 100,
    series: 20,
    sources,
    keys: {
      env: [
        ['prod', 4],
        ['dev', 1],
      ],
    },
  });
  const syn = new FamilySynth(compileFamily(r), 0, 1);
  syn.setUniverse(20);
  const check = (when: string): void => {
    const out = new Out(8 << 20);
    syn.emit(out, 20_000, EPOCH, new Rng(1), 0, 0);
    const b = new WavefrontParser().parse(out.take());
    const sent = new Map<string, { source: number; env: number; lines: number }>();
    for (let i = 0; i < b.length; i++) {
      if (b.kind(i) === 'blank') continue;
      const id = b.seriesId(i);
      const e = sent.get(id);
      if (e) e.lines++;
      else
        sent.set(id, {
          source: Number(b.source(i)!.slice(1)),
          env: new Map(b.tags(i)).get('env') === 'prod' ? 1 : 2,
          lines: 1,
        });
    }
    const ids = [...sent.values()];
    const w = new Float64Array(ids.length);
    rake(
      [
        margin(
          ids.map((x) => x.env),
          [0, 0.8, 0.2],
        ),
        margin(
          ids.map((x) => x.source),
          sources.map(() => 1 / 50),
        ),
      ],
      ids.length,
      w,
    );
    const total = w.reduce((a, x) => a + x, 0);
    ids.forEach((x, k) => {
      const want = (20_000 * w[k]!) / total;
      assert.ok(
        Math.abs(x.lines - want) <= 1 + 0.01 * want,
        `${when}: ${x.lines} lines, raked ${want}`,
      );
    });
  };
  check('before churn');
  for (let seed = 0; seed < 8; seed++) {
    syn.churn(5, new Rng(100 + seed));
    check(`after churn ${seed}`);
  }
});
