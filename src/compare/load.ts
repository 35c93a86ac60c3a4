// One side of a comparison as recipes: read from a recipes root (recipes/v1/*.json.zst, as
// `wflg profile --output` writes them, local or through the object store) or, for capture parts
// and plain Wavefront files, profiled first into a temporary root that is removed afterwards.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWflgError, WflgError } from '../lib/errors.js';
import { native } from '../lib/native.js';
import {
  validateGlobalRecipe,
  validateRecipe,
  type GlobalRecipe,
  type Recipe,
} from '../lib/recipe.js';
import { openStore, type ObjectStore } from '../lib/store/index.js';
import type { WavefrontFormat } from '../lib/wavefront.js';
import { localPath } from '../profiler/inputs.js';
import { profile } from '../profiler/run.js';

export const RECIPES_DIR = 'recipes/v1';
export const GLOBAL_FILE = `${RECIPES_DIR}/global.json.zst`;
/** Recipes are kilobytes; a decoded file beyond this is damage or hostile, not a recipe. */
const MAX_RECIPE_BYTES = 64 << 20;
const FAMILY_FILE = /^([0-9a-f]{16})\.json\.zst$/;

export interface RecipeSet {
  /** The input as given. */
  readonly input: string;
  readonly origin: 'recipes' | 'profiled';
  readonly global: GlobalRecipe;
  /** Sorted by family id. */
  readonly recipes: readonly Recipe[];
}

export interface LoadOptions {
  readonly workers: number;
  readonly k: number;
  readonly salt: string;
  readonly format: WavefrontFormat;
  readonly version: string;
  readonly gcsEndpoint?: string;
}

const inputError = (input: string, why: string): WflgError =>
  new WflgError('WFLG_E_COMPARE_INPUT', `${input}: ${why}`, { input });

/** Decodes and parses one recipe file; errors name the file. */
function parseFile(name: string, bytes: Uint8Array): unknown {
  const d = native().decodeFrames(bytes, MAX_RECIPE_BYTES);
  const damage = d.tail ?? d.corrupt[0];
  if (damage || d.data.length === 0)
    throw new WflgError(
      'WFLG_E_COMPARE_INPUT',
      `${name}: not a readable zstd file (${damage ? damage.reason : 'empty'})`,
      { file: name },
    );
  try {
    return JSON.parse(d.data.toString('utf8'));
  } catch (err) {
    throw new WflgError('WFLG_E_COMPARE_INPUT', `${name}: not JSON: ${(err as Error).message}`, {
      file: name,
    });
  }
}

interface RootReader {
  readonly where: string;
  has(name: string): Promise<boolean>;
  /** Names (relative to the root) of files directly in RECIPES_DIR. */
  list(): Promise<string[]>;
  read(name: string): Promise<Uint8Array>;
}

function localRoot(dir: string): RootReader {
  return {
    where: dir,
    has: (name) => Promise.resolve(existsSync(join(dir, name))),
    list: () => {
      const d = join(dir, RECIPES_DIR);
      return Promise.resolve(existsSync(d) ? readdirSync(d).map((f) => `${RECIPES_DIR}/${f}`) : []);
    },
    read: (name) => Promise.resolve(readFileSync(join(dir, name))),
  };
}

function storeRoot(store: ObjectStore): RootReader {
  return {
    where: store.url,
    has: async (name) => (await store.stat(name)) !== undefined,
    list: async () => {
      const out: string[] = [];
      for await (const o of store.list(`${RECIPES_DIR}/`))
        if (!o.name.slice(RECIPES_DIR.length + 1).includes('/')) out.push(o.name);
      return out;
    },
    read: async (name) => (await store.readAll(name)).data,
  };
}

/** Reads and validates every recipe under a root that has recipes/v1/global.json.zst. */
async function readRoot(input: string, root: RootReader): Promise<RecipeSet> {
  const global = validateGlobalRecipe(
    parseFile(GLOBAL_FILE, await root.read(GLOBAL_FILE)),
    `${GLOBAL_FILE}`,
  );
  const recipes: Recipe[] = [];
  for (const name of (await root.list()).sort()) {
    const base = name.slice(RECIPES_DIR.length + 1);
    if (base === 'global.json.zst' || !base.endsWith('.json.zst')) continue;
    const m = FAMILY_FILE.exec(base);
    if (!m) throw inputError(input, `${name}: a recipe file is named <16 hex family id>.json.zst`);
    const r = validateRecipe(parseFile(name, await root.read(name)), name);
    if (r.family.id !== m[1])
      throw new WflgError(
        'WFLG_E_RECIPE_INVALID',
        `${name}: /family/id is ${r.family.id}, the file name says ${m[1]}`,
        { file: name },
      );
    recipes.push(r);
  }
  if (recipes.length === 0 && global.totals.families > 0)
    throw inputError(
      input,
      `${GLOBAL_FILE} counts ${global.totals.families} families but ${RECIPES_DIR} holds no recipe`,
    );
  return { input, origin: 'recipes', global, recipes };
}

async function profiled(input: string, o: LoadOptions): Promise<RecipeSet> {
  const out = mkdtempSync(join(tmpdir(), 'wflg-compare-'));
  try {
    const r = await profile({
      input,
      output: out,
      workers: o.workers,
      k: o.k,
      hashNames: false,
      salt: o.salt,
      format: o.format,
      seriesCap: 1024,
      instantCap: 4096,
      version: o.version,
      ...(o.gcsEndpoint ? { gcsEndpoint: o.gcsEndpoint } : {}),
    });
    const recipes = [...r.recipes].sort((a, b) => (a.family.id < b.family.id ? -1 : 1));
    return { input, origin: 'profiled', global: r.global, recipes };
  } catch (err) {
    if (isWflgError(err, 'WFLG_E_INPUT_READ'))
      throw new WflgError(
        'WFLG_E_COMPARE_INPUT',
        `${input}: neither a recipes root (no ${GLOBAL_FILE}) nor profilable input: ${err.message}`,
        { input },
        { cause: err },
      );
    throw err;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** Loads one side: recipes as they are, or capture parts / Wavefront files profiled first. */
export async function loadSide(input: string, o: LoadOptions): Promise<RecipeSet> {
  const path = localPath(input);
  if (path !== undefined) {
    if (!existsSync(path)) throw inputError(input, 'does not exist');
    if (statSync(path).isDirectory()) {
      const root = localRoot(path);
      if (await root.has(GLOBAL_FILE)) return readRoot(input, root);
      if (await root.has('recipes'))
        throw inputError(input, `has recipes/ but no ${GLOBAL_FILE}: not a complete recipes root`);
    }
    return profiled(input, o);
  }
  const store = await openStore(input, o.gcsEndpoint ? { gcsEndpoint: o.gcsEndpoint } : {});
  try {
    const root = storeRoot(store);
    if (await root.has(GLOBAL_FILE)) return await readRoot(input, root);
  } finally {
    await store.close();
  }
  return profiled(input, o);
}
