// Decimal digits as the sender printed them (FamilyAcc.decimalsOf): the generator writes values
// with these digits, so they set line sizes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FamilyAcc, MAX_DECIMALS } from '../../src/profiler/family-acc.js';

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
