// Name rules and backoff arithmetic: the pure parts of the store layer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWflgError } from '../../../src/lib/errors.js';
import { checkName, checkPrefix, compareNames, isValidName } from '../../../src/lib/store/names.js';
import { backoffMs, DEFAULT_RETRY, isRetriableStatus } from '../../../src/lib/store/retry.js';
import { HOSTILE_NAMES } from './contract.js';

test('ordinary names pass, including dots inside segments and non-ASCII', () => {
  for (const n of [
    'a',
    'a..b',
    '...',
    '.hidden',
    'capture/dt=2026-01-01/mig=x/i-1/part-0001-000042.wf.zst',
    'ü/😀',
    'x'.repeat(1024),
  ]) {
    assert.equal(checkName(n), n);
    assert.equal(isValidName(n), true, n);
  }
});

test('every hostile name is refused with NAME_INVALID and a reason', () => {
  for (const n of [...HOSTILE_NAMES, 'ü'.repeat(513), 42, undefined]) {
    assert.throws(
      () => checkName(n),
      (e: unknown) =>
        isWflgError(e, 'WFLG_E_STORE_NAME_INVALID') && typeof e.details?.reason === 'string',
      JSON.stringify(n),
    );
    if (typeof n === 'string') assert.equal(isValidName(n), false, JSON.stringify(n));
  }
});

test('prefixes: partial last segment allowed, complete segments checked', () => {
  for (const p of ['', 'a', 'a/', 'a/b', 'capture/dt=2026-', 'a/..x', 'a/.'])
    assert.equal(checkPrefix(p), p);
  for (const p of ['/a', '../', 'a/../b', 'a//b', 'a\nb']) assert.throws(() => checkPrefix(p));
});

test('name order is UTF-8 byte order, not UTF-16 order', () => {
  // U+FF5E sorts after U+1F600 in UTF-16 code units but before it in UTF-8 bytes.
  assert.ok(compareNames('\uff5e', '😀') < 0);
  assert.ok('\uff5e' > '😀');
  assert.ok(compareNames('a.c', 'a/b') < 0 && compareNames('a/b', 'a0') < 0);
});

test('backoff: full jitter below an exponential ceiling capped at maxDelayMs', () => {
  const p = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };
  assert.deepEqual(
    [0, 1, 2, 3, 10].map((a) => backoffMs(a, p, () => 0.999999)),
    [99, 199, 399, 799, 999],
  );
  assert.equal(
    backoffMs(5, p, () => 0),
    0,
  );
  assert.deepEqual([408, 429, 500, 503, 400, 404, 412].map(isRetriableStatus), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
  ]);
});
