#!/usr/bin/env node
// Node 20's --test does not expand globs, so the compiled test files are listed here. Runs the
// built dist/ (never sources) under c8 so coverage maps back through the emitted source maps.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return findTests(p);
    return e.isFile() && e.name.endsWith('.test.js') ? [relative(root, p)] : [];
  });
}

// tsc never deletes: a compiled test whose source was moved or removed would still run here (and
// not on a fresh clone), so only tests with a source are taken.
const hasSource = (f) => existsSync(join(root, f.replace(/^dist\//, '').replace(/\.js$/, '.ts')));
const files = existsSync(testDir) ? findTests(testDir).filter(hasSource).sort() : [];
if (files.length === 0) {
  console.error('run-tests: no dist/test/**/*.test.js; run `npm run build` first');
  process.exit(1);
}

const c8 = join(root, 'node_modules', 'c8', 'bin', 'c8.js');
const args = [
  c8,
  '--reporter=text-summary',
  '--all',
  '--include=dist/src/**',
  process.execPath,
  '--test',
  '--test-reporter=spec',
  ...files,
];
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (res.error) console.error(`run-tests: ${res.error.message}`);
process.exit(res.status ?? 1);
