// `wflg capture` configuration at the edge: every problem reported at once with a stable code,
// unknown config-file keys rejected, defaults from the design, and --help generated from the spec.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { CAPTURE_SPEC } from '../../src/capture/config.js';
import { loadConfig } from '../../src/lib/config.js';
import { isWflgError } from '../../src/lib/errors.js';
import { runCli } from '../helpers.js';

const REQUIRED = ['--data-dir', '/d', '--store', 'file:///s', '--mig', 'm', '--instance', 'i'];

test('defaults follow the design: 256 MiB or 60 s rotation, level 3, 16 uploads in flight', () => {
  const { config } = loadConfig(CAPTURE_SPEC, REQUIRED);
  assert.equal(config.rotateBytes, 256 * 1024 ** 2);
  assert.equal(config.rotateSeconds, 60);
  assert.equal(config.zstdLevel, 3);
  assert.equal(config.uploadConcurrency, 16);
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 7070 });
  assert.ok(Object.isFrozen(config));
});

test('every bad flag is reported at once', () => {
  assert.throws(
    () =>
      loadConfig(CAPTURE_SPEC, [
        ...['--store', 's3://b', '--mig', 'bad name', '--zstd-level', '40'],
        ...['--rotate-bytes', 'lots', '--mirror-fraction', '2', '--listen', 'nohost'],
      ]),
    (err: unknown) => {
      assert.ok(isWflgError(err, 'WFLG_E_USAGE'));
      const problems = (err.details as { problems: string[] }).problems.join('\n');
      for (const what of ['--data-dir', '--instance', '--store', '--mig', '--zstd-level'])
        assert.match(problems, new RegExp(what));
      for (const what of ['--rotate-bytes', '--mirror-fraction', '--listen'])
        assert.match(problems, new RegExp(what));
      return true;
    },
  );
});

test('a config file sets the same options and unknown keys are rejected', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-capture-config-'));
  const good = join(dir, 'good.yaml');
  writeFileSync(
    good,
    'dataDir: /d\nstore: gs://bucket/prefix\nmig: m\ninstance: i\nthreads: 3\nrotateSeconds: 10s\n',
  );
  const { config } = loadConfig(CAPTURE_SPEC, ['--config', good]);
  assert.equal(config.threads, 3);
  assert.equal(config.rotateSeconds, 10);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'dataDir: /d\nstore: file:///s\nmig: m\ninstance: i\nrotateEvery: 5\n');
  assert.throws(
    () => loadConfig(CAPTURE_SPEC, ['--config', bad]),
    (err: unknown) => isWflgError(err, 'WFLG_E_CONFIG_INVALID') && /rotateEvery/.test(err.message),
  );
});

test('the CLI exits 2 on bad usage and prints generated help', async () => {
  const bad = await runCli(['capture', '--mig', 'm']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /WFLG_E_USAGE/);
  const help = await runCli(['capture', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout.toString(), /--rotate-bytes BYTES/);
  assert.match(help.stdout.toString(), /--upload-concurrency INT/);
});
