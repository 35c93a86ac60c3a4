import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isWflgError } from '../../src/lib/errors.js';
import { loadNative, nativeAddonPath, packageRoot } from '../../src/lib/native-loader.js';

test('packageRoot finds this package from dist/', () => {
  const manifest = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as {
    name: string;
  };
  assert.equal(manifest.name, 'wavefront-loadgen');
  assert.match(nativeAddonPath(), /native[/\\]wflg\.[a-z0-9]+-[a-z0-9]+(-[a-z]+)?\.node$/);
});

// Holds whether or not the addon has been built yet, so it never depends on build order.
test('loadNative loads the addon or says it is missing', () => {
  if (existsSync(nativeAddonPath())) {
    assert.equal(typeof loadNative<object>(), 'object');
    assert.equal(loadNative<object>(), loadNative<object>());
  } else {
    assert.throws(
      () => loadNative(),
      (err) => isWflgError(err, 'WFLG_E_NATIVE_MISSING'),
    );
  }
});
