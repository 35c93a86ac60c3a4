// The line writer's numbers: integers below 2^53 and fixed-point decimals are written digit for
// digit as JS prints them, on both sides of every int32 split the writer makes.
import assert from 'node:assert/strict';
import test from 'node:test';
import { Out } from '../../src/generator/out.js';
import { Rng } from '../../src/lib/rng.js';

function written(f: (o: Out) => void): string {
  const o = new Out(256);
  f(o);
  return o.buf.toString('latin1', 0, o.pos);
}

/** The decimal string of `v` rounded to `d` decimals, by BigInt arithmetic on the scaled value. */
function fixedRef(v: number, d: number): string {
  const s = Math.round(Math.abs(v) * 10 ** d);
  if (s === 0) return '0';
  const digits = BigInt(s)
    .toString()
    .padStart(d + 1, '0');
  const int = digits.slice(0, digits.length - d);
  return (v < 0 ? '-' : '') + (d === 0 ? int : `${int}.${digits.slice(digits.length - d)}`);
}

test('uint writes every integer below 2^53 as String() does', () => {
  const edges = [0, 1, 9, 10, 99, 2 ** 31 - 1, 2 ** 31, 999_999_999, 1e9, 1e9 + 1, 1732233600000];
  // k·10⁹ − 1 near the top: the quotient sits 10⁻⁹ below an integer, the tightest case for the
  // floor of the division.
  const tops = [9007198999999999, 8388608999999999, 8388607999999999, 4194304999999999];
  for (const v of [...edges, ...tops, 2 ** 53 - 1, 10 ** 15, 10 ** 15 - 1])
    assert.equal(
      written((o) => o.uint(v)),
      String(v),
    );
  const rng = new Rng(11);
  for (let i = 0; i < 100_000; i++) {
    const v = Math.floor(rng.next() * 10 ** Math.floor(rng.next() * 16));
    assert.equal(
      written((o) => o.uint(v)),
      String(v),
    );
  }
});

test('fixed writes exactly d decimals, zero-padded, signed, for every d the recipes use', () => {
  assert.equal(
    written((o) => o.fixed(1.05, 3)),
    '1.050',
  );
  assert.equal(
    written((o) => o.fixed(-0.000001, 6)),
    '-0.000001',
  );
  assert.equal(
    written((o) => o.fixed(-0.0000001, 6)),
    '0',
  );
  assert.equal(
    written((o) => o.fixed(12.3456789012, 10)),
    '12.3456789012',
  );
  assert.equal(
    written((o) => o.fixed(1e300, 2)),
    String(1e300),
  );
  const rng = new Rng(12);
  for (let i = 0; i < 50_000; i++) {
    const v = (rng.next() - 0.5) * 10 ** Math.floor(rng.next() * 13);
    for (const d of [0, 1, 2, 3, 6, 9, 10, 12, 14]) {
      if (Math.abs(v) >= 1e15 / 10 ** d) continue;
      assert.equal(
        written((o) => o.fixed(v, d)),
        fixedRef(v, d),
        `${v} at ${d}`,
      );
    }
  }
});
