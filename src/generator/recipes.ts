// Loads a recipe set from `<root>/recipes/v1/` (file:// or gs://, or a plain directory path):
// every family recipe and the global recipe, decompressed (.json.zst) or plain (.json), each
// validated against the one schema. A set with any invalid or incompatible document is refused as
// a whole, with every file's problems listed, so a running generator keeps its current set.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WflgError } from '../lib/errors.js';
import { native } from '../lib/native.js';
import {
  compatibleSchema,
  validateGlobalRecipe,
  validateRecipe,
  type GlobalRecipe,
  type Recipe,
} from '../lib/recipe.js';
import { openStore } from '../lib/store/index.js';

const PREFIX = 'recipes/v1/';
/** A recipe is kilobytes; anything this large is not one (and must not exhaust memory). */
const MAX_RECIPE_BYTES = 64 << 20;

export interface RecipeSet {
  readonly recipes: Recipe[];
  readonly global: GlobalRecipe | null;
  /** Hash of every document's bytes: a changed set has a different version. */
  readonly version: string;
}

export function rootUrl(root: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) return root;
  return pathToFileURL(isAbsolute(root) ? root : resolve(root)).href;
}

function decode(name: string, data: Buffer): unknown {
  let text = data;
  if (name.endsWith('.zst')) {
    const d = new (native().ZstdStreamDecoder)();
    text = d.push(data, MAX_RECIPE_BYTES);
    if (!d.complete) throw new Error('truncated zstd stream or over 64 MiB decoded');
  }
  return JSON.parse(text.toString('utf8')) as unknown;
}

interface Source {
  list(): Promise<string[]>;
  read(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** file:// and plain directories are read directly; other schemes through the object store. */
async function openSource(root: string): Promise<Source> {
  const url = rootUrl(root);
  if (url.startsWith('file://')) {
    const dir = fileURLToPath(url);
    return {
      list: async () =>
        (await readdir(join(dir, PREFIX)).catch(() => [] as string[]))
          .map((n) => PREFIX + n)
          .sort(),
      read: async (name) => {
        const p = join(dir, name);
        if ((await stat(p)).size > MAX_RECIPE_BYTES) throw new Error('over 64 MiB');
        return readFile(p);
      },
      close: () => Promise.resolve(),
    };
  }
  const store = await openStore(url);
  return {
    list: async () => {
      const names: string[] = [];
      for await (const o of store.list(PREFIX)) names.push(o.name);
      return names;
    },
    read: async (name) => (await store.readAll(name)).data,
    close: () => store.close(),
  };
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
  const store = await openSource(root);
  const problems: string[] = [];
  const files: Array<{ short: string; data: Buffer }> = [];
  const hash = createHash('sha256');
  try {
    const names: string[] = [];
    for (const n of await store.list())
      if (/\.json(\.zst)?$/.test(n) && !n.slice(PREFIX.length).includes('/')) names.push(n);
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
      doc = decode(short, data);
    } catch (err) {
      problems.push(`${short}: unreadable: ${(err as Error).message}`);
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
