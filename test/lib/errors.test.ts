import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, WflgError, isWflgError } from '../../src/lib/errors.js';

test('error codes are unique, well-formed and described', () => {
  const codes = Object.keys(ErrorCode);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    assert.match(code, /^WFLG_E_[A-Z_]+$/);
    assert.ok(ErrorCode[code as keyof typeof ErrorCode].length > 0, code);
  }
});

test('isWflgError matches on class and optionally on code', () => {
  const err = new WflgError('WFLG_E_USAGE', 'bad flag', { flag: '--nope' });
  assert.ok(isWflgError(err));
  assert.ok(isWflgError(err, 'WFLG_E_USAGE'));
  assert.ok(!isWflgError(err, 'WFLG_E_INTERNAL'));
  assert.ok(!isWflgError(Object.assign(new Error('x'), { code: 'WFLG_E_USAGE' })));
  assert.deepEqual(err.details, { flag: '--nope' });
});
