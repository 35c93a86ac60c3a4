import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WflgError } from './errors.js';

const PACKAGE_NAME = 'wavefront-loadgen';
let cached: unknown;

// Must match platformTriple() in scripts/build-native.mjs, which names the artefact as napi-rs does.
export function platformTriple(): string {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform === 'win32') return `${base}-msvc`;
  if (process.platform !== 'linux') return base;
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  return `${base}-${report.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
}

// Walks up rather than using a fixed '../..' because this file runs both from src/lib (tests of
// sources) and dist/src/lib (built), at different depths.
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
      if (name === PACKAGE_NAME) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new WflgError(
        'WFLG_E_INTERNAL',
        `no ${PACKAGE_NAME} package.json above ${import.meta.url}`,
      );
    }
    dir = parent;
  }
}

export function nativeAddonPath(): string {
  return join(packageRoot(), 'native', `wflg.${platformTriple()}.node`);
}

export function loadNative<T>(): T {
  if (cached !== undefined) return cached as T;
  const path = nativeAddonPath();
  if (!existsSync(path)) {
    throw new WflgError(
      'WFLG_E_NATIVE_MISSING',
      `native addon not found at ${path}; run \`npm run build:native\``,
      { path },
    );
  }
  try {
    cached = createRequire(import.meta.url)(path);
  } catch (err) {
    // A stale or foreign-ABI binary is as unusable as a missing one, and the remedy is the same.
    throw new WflgError(
      'WFLG_E_NATIVE_MISSING',
      `native addon at ${path} failed to load; run \`npm run build:native -- --force\``,
      { path },
      { cause: err },
    );
  }
  return cached as T;
}
