// One side of a comparison as recipes: read from a recipes root (recipes/v1/*.json.zst, as
// `wflg profile --output` writes them, local or through the object store) or, for capture parts
// and plain Wavefront files, profiled first into a temporary root that is removed afterwards.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWflgError, WflgError } from '../lib/errors.js';
import {
  validateGlobalRecipe,
  validateRecipe,
  type GlobalRecipe,
  type Recipe,
} from '../lib/recipe.js';
import {
  decodeRecipeFile,
  GLOBAL_FILE,
  openRecipeRoot,
  RECIPES_DIR,
  type RecipeRoot,
} from '../lib/recipe-root.js';
import type { WavefrontFormat } from '../lib/wavefront.js';
import { localPath } from '../profiler/inputs.js';
import { profile, SAMPLE_DEFAULTS } from '../profiler/run.js';

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

/** Decodes one recipe file; damage is compare's input error (exit 4), naming the file. */
function parseFile(name: string, bytes: Uint8Array): unknown {
  try {
    return decodeRecipeFile(name, bytes);
  } catch (err) {
    if (!isWflgError(err, 'WFLG_E_INPUT_READ')) throw err;
    throw new WflgError('WFLG_E_COMPARE_INPUT', err.message, { file: name }, { cause: err });
  }
}

/** Reads and validates every recipe under a root that has recipes/v1/global.json.zst. */
async function readRoot(input: string, root: RecipeRoot): Promise<RecipeSet> {
  const global = validateGlobalRecipe(
    parseFile(GLOBAL_FILE, await root.read(GLOBAL_FILE)),
    `${GLOBAL_FILE}`,
  );
  const recipes: Recipe[] = [];
  for (const name of await root.list()) {
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
      ...SAMPLE_DEFAULTS,
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
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) throw inputError(input, 'does not exist');
    if (!st.isDirectory()) return profiled(input, o);
  }
  const root = await openRecipeRoot(
    path ?? input,
    o.gcsEndpoint ? { gcsEndpoint: o.gcsEndpoint } : {},
  );
  try {
    if (await root.has(GLOBAL_FILE)) return await readRoot(input, root);
    if (path !== undefined && (await root.has('recipes')))
      throw inputError(input, `has recipes/ but no ${GLOBAL_FILE}: not a complete recipes root`);
  } finally {
    await root.close();
  }
  return profiled(input, o);
}
