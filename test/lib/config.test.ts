import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { loadConfig, optionsHelp, parseHostPort, type Spec } from '../../src/lib/config.js';
import { isWflgError } from '../../src/lib/errors.js';

const spec = {
  listen: { type: 'hostport', help: 'address', default: { host: '127.0.0.1', port: 0 } },
  rotateBytes: { type: 'bytes', help: 'rotate', default: 256 * 1024 ** 2, min: 1024 },
  rotateSeconds: { type: 'seconds', help: 'age', default: 60, min: 0.1 },
  level: { type: 'int', help: 'zstd level', default: 3, min: 1, max: 19 },
  store: { type: 'url', schemes: ['file', 'gs'], help: 'store', required: true },
  mode: { type: 'enum', values: ['a', 'b'], help: 'mode', default: 'a' },
  tags: { type: 'list', help: 'tags', default: [] },
  verbose: { type: 'bool', help: 'v', default: false },
  token: { type: 'string', help: 't', env: 'WFLG_TEST_TOKEN' },
} as const satisfies Spec;

test('defaults, units and precedence: flag > env > file > default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-config-'));
  const file = join(dir, 'c.yaml');
  writeFileSync(file, 'store: file:///tmp/x\nlevel: 5\nrotateBytes: 64MiB\ntoken: fromfile\n');
  const { config } = loadConfig(
    spec,
    ['--config', file, '--level', '7', '--rotate-seconds', '500ms'],
    {
      WFLG_TEST_TOKEN: 'fromenv',
    },
  );
  assert.equal(config.level, 7);
  assert.equal(config.rotateBytes, 64 * 1024 ** 2);
  assert.equal(config.rotateSeconds, 0.5);
  assert.equal(config.token, 'fromenv');
  assert.equal(config.store, 'file:///tmp/x');
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 0 });
  assert.ok(Object.isFrozen(config));
});

test('every problem is reported at once, unknown file keys included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wflg-config-'));
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ levle: 3, mode: 'c', rotateBytes: '12 parsecs' }));
  assert.throws(
    () => loadConfig(spec, ['--config', file, '--level', '99', '--listen', 'nowhere']),
    (err: unknown) => {
      assert.ok(isWflgError(err, 'WFLG_E_CONFIG_INVALID'));
      const problems = err.details?.problems as string[];
      assert.equal(problems.length, 6, problems.join('\n'));
      for (const bit of [
        "unknown key 'levle'",
        'mode',
        'rotateBytes',
        '--level',
        '--listen',
        '--store',
      ])
        assert.ok(
          problems.some((p) => p.includes(bit)),
          bit,
        );
      return true;
    },
  );
});

test('hostile and malformed input: unknown flags, non-object files, bad URLs', () => {
  assert.throws(
    () => loadConfig(spec, ['--nope']),
    (e: unknown) => isWflgError(e, 'WFLG_E_USAGE'),
  );
  const dir = mkdtempSync(join(tmpdir(), 'wflg-config-'));
  for (const [name, text] of [
    ['list.yaml', '- a\n- b\n'],
    ['broken.json', '{"store": '],
    [
      'bomb.yaml',
      'a: &a [x,x,x,x,x,x,x,x,x]\n' +
        Array.from({ length: 200 }, (_, i) => `k${i}: [*a,*a,*a]`).join('\n'),
    ],
  ]) {
    const f = join(dir, name!);
    writeFileSync(f, text!);
    assert.throws(
      () => loadConfig(spec, ['--config', f]),
      (e: unknown) => isWflgError(e, 'WFLG_E_CONFIG_INVALID'),
      name,
    );
  }
  assert.throws(
    () => loadConfig(spec, ['--config', join(dir, 'missing.yaml')]),
    (e: unknown) => isWflgError(e, 'WFLG_E_CONFIG_INVALID'),
  );
  assert.throws(() => loadConfig(spec, ['--store', 'http://x']), /scheme must be one of/);
  assert.throws(
    () => loadConfig(spec, ['--store', 'file:///x', '--rotate-bytes', '1.5']),
    /whole number/,
  );
});

test('host:port forms', () => {
  assert.deepEqual(parseHostPort(':8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseHostPort('[::1]:0'), { host: '::1', port: 0 });
  assert.deepEqual(parseHostPort('0.0.0.0:2878'), { host: '0.0.0.0', port: 2878 });
  assert.equal(parseHostPort('host:99999'), undefined);
  assert.equal(parseHostPort('host'), undefined);
});

test('help lists every option', () => {
  const help = optionsHelp(spec);
  for (const flag of ['--listen', '--rotate-bytes', '--store', '--mode a|b', '--config FILE'])
    assert.ok(help.includes(flag), flag);
  assert.equal(loadConfig(spec, ['-h']).help, true);
});

test('cross-option rules run in the same pass: one error lists option and cross-option problems', () => {
  assert.throws(
    () =>
      loadConfig(
        spec,
        ['--level', '99', '--mode', 'b', 'stray'],
        {},
        (c, problems, positionals) => {
          assert.equal(c.level, undefined, 'an option that failed its own validation is absent');
          if (c.mode === 'b' && !c.store) problems.push('--mode b needs --store');
          if (positionals.length) problems.push(`unexpected argument '${positionals[0]}'`);
        },
      ),
    (err: unknown) => {
      assert.ok(isWflgError(err, 'WFLG_E_USAGE'));
      const problems = err.details?.problems as string[];
      for (const bit of ['--level', '--store is required', '--mode b needs --store', "'stray'"])
        assert.ok(
          problems.some((p) => p.includes(bit)),
          `${bit} in ${problems.join(' | ')}`,
        );
      return true;
    },
  );
});
