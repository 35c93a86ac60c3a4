// Loads a recipe set from `<root>/recipes/v1/` (file:// or gs://, or a plain directory path):
// every family recipe and the global recipe, decompressed (.json.zst) or plain (.json), each
// validated against the one schema. A set with any invalid or incompatible document is refused as
// a whole, with every file's problems listed, so a running generator keeps its current set.
import { createHash } from 'node:crypto';
import { WflgError } from '../lib/errors.js';
import {
  compatibleSchema,
  validateGlobalRecipe,
  validateRecipe,
  type GlobalRecipe,
  type Recipe,
} from '../lib/recipe.js';
import { decodeRecipeFile, openRecipeRoot, RECIPES_DIR } from '../lib/recipe-root.js';

const PREFIX = `${RECIPES_DIR}/`;

export interface RecipeSet {
  readonly recipes: Recipe[];
  readonly global: GlobalRecipe | null;
  /** Hash of every document's bytes: a changed set has a different version. */
  readonly version: string;
}

/** A recipe root's documents as bytes, before anything is decoded or validated. */
export interface RecipeFiles {
  readonly files: ReadonlyArray<{ readonly short: string; readonly data: Buffer }>;
  /** Files that could not be read (they make the set invalid). */
  readonly problems: readonly string[];
  /** What `RecipeSet.version` will be: a reload compares it before decoding anything. */
  readonly version: string;
}

export async function readRecipeFiles(root: string): Promise<RecipeFiles> {
  const store = await openRecipeRoot(root);
  const problems: string[] = [];
  const files: Array<{ short: string; data: Buffer }> = [];
  const hash = createHash('sha256');
  try {
    const names: string[] = [];
    for (const n of await store.list()) if (/\.json(\.zst)?$/.test(n)) names.push(n);
    if (names.length === 0)
      throw new WflgError('WFLG_E_RECIPE_INVALID', `no recipes under ${root}/${PREFIX}`, {
        problems: [`no *.json or *.json.zst under ${PREFIX}`],
      });
    for (const name of names) {
      const short = name.slice(PREFIX.length);
      try {
        const data = await store.read(name);
        hash.update(name).update(data);
        files.push({ short, data });
      } catch (err) {
        problems.push(`${short}: unreadable: ${(err as Error).message}`);
      }
    }
  } finally {
    await store.close();
  }
  return { files, problems, version: hash.digest('hex').slice(0, 16) };
}

/** Decodes and validates the whole set; throws WFLG_E_RECIPE_INVALID with every problem. */
export function parseRecipes(f: RecipeFiles): RecipeSet {
  const problems = [...f.problems];
  const recipes: Recipe[] = [];
  let global: GlobalRecipe | null = null;
  for (const { short, data } of f.files) {
    let doc: unknown;
    try {
      doc = decodeRecipeFile(short, data);
    } catch (err) {
      // The decoder's message names the file and what is wrong with it.
      problems.push((err as Error).message);
      continue;
    }
    if (!compatibleSchema(doc)) {
      const s = (doc as { schema?: unknown } | null)?.schema;
      problems.push(`${short}: /schema: '${String(s)}' is not a compatible recipe schema (v1)`);
      continue;
    }
    try {
      if (short.startsWith('global.json')) global = validateGlobalRecipe(doc, short);
      else recipes.push(validateRecipe(doc, short));
    } catch (err) {
      const p = ((err as WflgError).details?.problems as string[] | undefined) ?? [String(err)];
      for (const x of p) problems.push(`${short}: ${x}`);
    }
  }
  if (problems.length)
    throw new WflgError(
      'WFLG_E_RECIPE_INVALID',
      `recipe set refused: ${problems.slice(0, 10).join('; ')}`,
      {
        problems,
      },
    );
  if (recipes.length === 0)
    throw new WflgError('WFLG_E_RECIPE_INVALID', 'recipe set has no family recipes', {
      problems: ['no family recipes'],
    });
  recipes.sort((a, b) => (a.family.id < b.family.id ? -1 : a.family.id > b.family.id ? 1 : 0));
  return { recipes, global, version: f.version };
}

/** Reads and validates the whole set; throws WFLG_E_RECIPE_INVALID with every problem. */
export async function loadRecipes(root: string): Promise<RecipeSet> {
  return parseRecipes(await readRecipeFiles(root));
}
