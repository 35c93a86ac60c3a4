// Decimal digits as the sender printed them (FamilyAcc.decimalsOf): the generator writes values
// with these digits, so they set line sizes. And the timestamp alignment shares a family counts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALIGN_CANDIDATES, FamilyAcc, MAX_DECIMALS } from '../../src/profiler/family-acc.js';

test('decimals are those of the shortest text, float residues included (regression: a relative tolerance read 92.85799999999999 as 3 digits)', () => {
  const cases: Array<[number, number]> = [
    [42, 0],
    [-3, 0],
    [0.1, 1],
    [2.25, 2],
    [93.834, 3],
    [-0.07653, 5],
    [123456.789, 3],
    [1e-7, 7],
    [92.85799999999999, 14],
    [0.1 + 0.2, 16],
    [6.0420000000000025, MAX_DECIMALS + 1],
    [1e-20, MAX_DECIMALS + 1],
  ];
  for (const [v, d] of cases) {
    assert.equal(FamilyAcc.decimalsOf(v), d, String(v));
    if (d <= MAX_DECIMALS && !String(v).includes('e'))
      assert.equal(String(v).split('.')[1]?.length ?? 0, d, `${v}: as printed`);
  }
});

test('alignment shares: each candidate counts the timestamps on its grid, whatever their sign or size', () => {
  const acc = new FamilyAcc({ id: 'x', kindCode: 1, name: 'x', tagKeys: [] });
  const stamps = [
    1_795_000_000_000, // :40 → 1 s, 5 s, 10 s
    1_795_000_020_000, // :00 → every candidate
    1_795_000_015_000, // :55 → 1 s, 5 s
    1_795_000_015_500, // not a whole second
    1_795_000_015_000.25, // fractional ms
    -60_000, // before the epoch, on the minute
    -45_000, // :15 before the epoch → 1 s, 5 s, 15 s
    3e12 * 1000 + 30_000, // seconds past 2^31 (a float remainder): :30 → all but 60 s
  ];
  for (const t of stamps) acc.noteTimestamp(t);
  const want = ALIGN_CANDIDATES.map((c) => stamps.filter((t) => t % (c * 1000) === 0).length);
  assert.deepEqual(acc.aligned, want);
  // Merged partial states add up with what a family scanned itself.
  const other = new FamilyAcc({ id: 'x', kindCode: 1, name: 'x', tagKeys: [] });
  other.noteTimestamp(1_795_000_020_000);
  other.merge(acc.state());
  assert.deepEqual(
    other.aligned,
    want.map((n) => n + 1),
  );
});
