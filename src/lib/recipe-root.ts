// Reading a recipes root (DESIGN §2.4: `<root>/recipes/v1/*.json.zst`, as `wflg profile` writes it)
// for the generator and `wflg compare`: where the files are, and one decoder for them. Each caller
// keeps its own policy on top (the generator refuses a whole set listing every problem; compare
// stops at the first, with its own exit code).
import { existsSync } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WflgError } from './errors.js';
import { native } from './native.js';
import { openStore, type StoreOptions } from './store/index.js';

export const RECIPES_DIR = 'recipes/v1';
export const GLOBAL_FILE = `${RECIPES_DIR}/global.json.zst`;
/** A recipe is kilobytes; anything this large is damage or hostile, and must not exhaust memory. */
export const MAX_RECIPE_BYTES = 64 << 20;

export interface RecipeRoot {
  /** The root as a URL (file:// for local directories). */
  readonly url: string;
  has(name: string): Promise<boolean>;
  /** Names (relative to the root, sorted) of the entries directly in recipes/v1. */
  list(): Promise<string[]>;
  /** A file's bytes; over MAX_RECIPE_BYTES is WFLG_E_INPUT_READ, read no further. */
  read(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

/** A URL for a root given as a URL or as a local path. */
export function rootUrl(root: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(root)) return root;
  return pathToFileURL(isAbsolute(root) ? root : resolve(root)).href;
}

const tooLarge = (name: string): WflgError =>
  new WflgError('WFLG_E_INPUT_READ', `${name}: over ${MAX_RECIPE_BYTES} bytes: not a recipe`, {
    file: name,
  });

/**
 * Local roots are read as plain directories: the file store would write its metadata folder into
 * a recipes directory (possibly read-only) and checksum every file to list it. Other schemes go
 * through the object store.
 */
export async function openRecipeRoot(root: string, opts: StoreOptions = {}): Promise<RecipeRoot> {
  const url = rootUrl(root);
  if (url.startsWith('file://')) {
    const dir = fileURLToPath(url);
    return {
      url,
      has: (name) => Promise.resolve(existsSync(join(dir, name))),
      list: async () =>
        (await readdir(join(dir, RECIPES_DIR)).catch(() => [] as string[]))
          .map((n) => `${RECIPES_DIR}/${n}`)
          .sort(),
      read: async (name) => {
        // Sized on the open handle, so the file read is the file checked.
        const f = await open(join(dir, name), 'r');
        try {
          if ((await f.stat()).size > MAX_RECIPE_BYTES) throw tooLarge(name);
          return await f.readFile();
        } finally {
          await f.close();
        }
      },
      close: () => Promise.resolve(),
    };
  }
  const store = await openStore(url, opts);
  // Sizes from the listing, so an oversized object is refused before it is downloaded.
  const sizes = new Map<string, number>();
  return {
    url,
    has: async (name) => (await store.stat(name)) !== undefined,
    list: async () => {
      for await (const o of store.list(`${RECIPES_DIR}/`))
        if (!o.name.slice(RECIPES_DIR.length + 1).includes('/')) sizes.set(o.name, o.size);
      return [...sizes.keys()].sort();
    },
    read: async (name) => {
      const size = sizes.get(name) ?? (await store.stat(name))?.size ?? 0;
      if (size > MAX_RECIPE_BYTES) throw tooLarge(name);
      return (await store.readAll(name)).data;
    },
    close: () => store.close(),
  };
}

/**
 * Decodes one recipe file (`.json.zst`, or plain `.json`) into its JSON document. Damage is
 * WFLG_E_INPUT_READ naming the file: corrupt or truncated zstd, more than MAX_RECIPE_BYTES, not JSON.
 */
export function decodeRecipeFile(name: string, bytes: Uint8Array): unknown {
  let text: Buffer;
  if (name.endsWith('.zst')) {
    const d = native().decodeFrames(bytes, MAX_RECIPE_BYTES);
    const damage = d.tail ?? d.corrupt[0];
    if (damage || d.data.length === 0)
      throw new WflgError(
        'WFLG_E_INPUT_READ',
        `${name}: not a readable zstd file (${damage ? damage.reason : 'empty'})`,
        { file: name },
      );
    text = d.data;
  } else text = Buffer.from(bytes);
  try {
    return JSON.parse(text.toString('utf8')) as unknown;
  } catch (err) {
    throw new WflgError('WFLG_E_INPUT_READ', `${name}: not JSON: ${(err as Error).message}`, {
      file: name,
    });
  }
}
