#!/usr/bin/env node
// Builds native/wflg.<triple>.node with the locally installed @napi-rs/cli.
// Skips cargo when the artefact is newer than every native input: `npm install` and `npm test`
// both call this, and even a no-op cargo run with fat LTO costs seconds.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const force = process.argv.includes('--force');

// Must match platformTriple() in src/lib/native-loader.ts and napi-rs's own naming.
function platformTriple() {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform === 'win32') return `${base}-msvc`;
  if (process.platform !== 'linux') return base;
  const { header } = process.report.getReport();
  return `${base}-${header.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // catches deleted files, which leave no newer file behind
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const artefact = join(root, 'native', `wflg.${platformTriple()}.node`);
// Cargo.lock is included because a dependency bump changes the binary without touching sources.
const inputs = ['native/core', 'native/napi', 'native/Cargo.toml', 'native/Cargo.lock'];
if (!force && existsSync(artefact)) {
  const built = statSync(artefact).mtimeMs;
  const stale = inputs.some((p) => newestMtime(join(root, p)) > built);
  if (!stale) {
    console.log(`build:native: ${artefact} is up to date (--force to rebuild)`);
    process.exit(0);
  }
}

// Resolve the CLI from node_modules rather than via npx, which could fetch a different version.
const require = createRequire(import.meta.url);
const cliPkgPath = require.resolve('@napi-rs/cli/package.json');
const cliBin = JSON.parse(readFileSync(cliPkgPath, 'utf8')).bin.napi;
const args = [
  join(dirname(cliPkgPath), cliBin),
  'build',
  '--release',
  '--platform',
  '--manifest-path',
  'native/napi/Cargo.toml',
  '--package-json-path',
  'package.json',
  '--output-dir',
  'native',
  '--no-js',
  // Type defs are emitted whenever napi-derive's type-def feature is on; keep them out of the tree.
  '--dts',
  'target/wflg.d.ts',
];
const res = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (res.status !== 0 || !existsSync(artefact)) {
  const why = res.error ? res.error.message : `exit ${res.status ?? res.signal}`;
  console.error(`\nbuild:native: FAILED (${why}); the cargo errors above say why.`);
  process.exit(res.status || 1);
}
console.log(`build:native: built ${artefact}`);
