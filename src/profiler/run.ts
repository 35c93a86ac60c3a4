// `wflg profile` end to end: list inputs, profile each in a worker (piscina) into a partial state,
// merge the partials in input order (so the result never depends on scheduling), fit, apply
// privacy, write recipes, the index, the QA report and finally _PROFILE_OK.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { Piscina } from 'piscina';
import { WflgError } from '../lib/errors.js';
import {
  validateGlobalRecipe,
  validateRecipe,
  type GlobalRecipe,
  type Recipe,
} from '../lib/recipe.js';
import { openStore, type StoreOptions } from '../lib/store/index.js';
import { listParts } from '../lib/capture-reader.js';
import { Kind, type WavefrontFormat } from '../lib/wavefront.js';
import { FamilyAcc } from './family-acc.js';
import { fitFamily, traceStats } from './fit.js';
import { buildGlobal, mirrorOf } from './global.js';
import { listLocal, localPath, type InputItem } from './inputs.js';
import { openSink, zstd } from './output.js';
import { GlobalAcc, type PartialState } from './partial.js';
import { Privatizer } from './privacy.js';
import { renderReport } from './report.js';
import { runTask, type Task } from './task.js';

/**
 * Per-family sample sizes when nothing else is asked for (the memory bound per family: see
 * family-acc.ts). `wflg profile` defaults to them and `wflg compare` profiles with them.
 */
export const SAMPLE_DEFAULTS = { seriesCap: 1024, instantCap: 4096 } as const;

export interface ProfileOptions {
  readonly input: string;
  readonly output: string;
  readonly workers: number;
  readonly k: number;
  readonly hashNames: boolean;
  readonly salt: string;
  readonly format: WavefrontFormat;
  readonly seriesCap: number;
  readonly instantCap: number;
  readonly version: string;
  readonly gcsEndpoint?: string;
}

export interface Progress {
  done: number;
  total: number;
  bytes: number;
  totalBytes: number;
}

export interface ProfileResult {
  runId: string;
  global: GlobalRecipe;
  recipes: Recipe[];
  inputs: InputItem[];
  reportName: string;
  elapsedMs: number;
  inputBytes: number;
  /** Decoded Wavefront bytes scanned (the raw capture size). */
  textBytes: number;
}

const storeOptions = (o: ProfileOptions): StoreOptions =>
  o.gcsEndpoint ? { gcsEndpoint: o.gcsEndpoint } : {};

function runIdOf(o: ProfileOptions, items: readonly InputItem[]): string {
  const h = createHash('sha256');
  h.update(
    JSON.stringify([o.k, o.hashNames, o.salt.length > 0, o.format, o.seriesCap, o.instantCap]),
  );
  for (const i of items) h.update(`${i.name}\u0000${i.size}\u0000${i.generation ?? ''}\n`);
  return h.digest('hex').slice(0, 16);
}

async function listInputs(
  o: ProfileOptions,
): Promise<{ items: InputItem[]; read?: (i: InputItem) => Promise<Uint8Array> }> {
  const p = localPath(o.input);
  if (p !== undefined) return { items: listLocal(p) };
  const store = await openStore(o.input, storeOptions(o));
  const parts = await listParts(store);
  return {
    items: parts.map((r) => ({
      name: r.info.name,
      size: r.info.size,
      generation: r.info.generation,
    })),
    read: async (i) => (await store.readAll(i.name)).data,
  };
}

export async function profile(
  o: ProfileOptions,
  onProgress?: (p: Progress) => void,
): Promise<ProfileResult> {
  const started = performance.now();
  const { items, read } = await listInputs(o);
  if (items.length === 0)
    throw new WflgError(
      'WFLG_E_INPUT_READ',
      `${o.input}: no capture parts or .wf/.wf.zst files found`,
      { input: o.input },
    );
  const totalBytes = items.reduce((a, i) => a + i.size, 0);
  const progress: Progress = { done: 0, total: items.length, bytes: 0, totalBytes };
  const taskOf = async (i: InputItem): Promise<Task> => ({
    input: i.name,
    format: o.format,
    seriesCap: o.seriesCap,
    instantCap: o.instantCap,
    ...(i.path ? { path: i.path } : { bytes: await read!(i) }),
  });
  const pool =
    o.workers > 0
      ? new Piscina({
          filename: fileURLToPath(new URL('./worker.js', import.meta.url)),
          maxThreads: o.workers,
          minThreads: Math.min(o.workers, items.length),
        })
      : undefined;
  const families = new Map<string, FamilyAcc>();
  const global = new GlobalAcc();
  const merge = (s: PartialState) => {
    for (const f of s.families) {
      const acc = families.get(f.ident.id);
      if (acc) acc.merge(f);
      else families.set(f.ident.id, FamilyAcc.fromState(f, o.seriesCap, o.instantCap));
    }
    global.merge(s.global);
  };
  try {
    // Results are merged strictly in input order; at most 2 × workers partials wait in memory.
    const window = Math.max(1, 2 * o.workers);
    const pending: Array<Promise<PartialState>> = [];
    let next = 0;
    const launch = async (i: InputItem): Promise<PartialState> => {
      const t = await taskOf(i);
      return pool ? ((await pool.run(t)) as PartialState) : runTask(t);
    };
    while (next < items.length || pending.length) {
      while (next < items.length && pending.length < window) {
        const p = launch(items[next++]!);
        p.catch(() => undefined);
        pending.push(p);
      }
      const s = await pending.shift()!;
      merge(s);
      progress.done++;
      progress.bytes += items[progress.done - 1]!.size;
      onProgress?.({ ...progress });
    }
  } finally {
    await pool?.destroy();
  }
  if (global.lines === 0)
    throw new WflgError(
      'WFLG_E_INPUT_READ',
      `${o.input}: no Wavefront lines in ${items.length} input(s)`,
      { input: o.input },
    );

  const priv = new Privatizer({ k: o.k, hashNames: o.hashNames, salt: o.salt });
  const mirror = mirrorOf(global);
  const traces = traceStats(global.traces);
  const runId = runIdOf(o, items);
  const recipes: Recipe[] = [];
  const accs: FamilyAcc[] = [];
  let covered = [...global.rejects.values()].reduce((a, b) => a + b, 0);
  for (const id of [...families.keys()].sort()) {
    const f = families.get(id)!;
    covered += f.lines;
    accs.push(f);
    recipes.push(validateRecipe(fitFamily(f, priv, mirror, traces), `recipe ${id}`));
  }
  // All lines' sizes: the scan kept only those outside families (partial.ts).
  for (const f of accs) global.lineBytes.merge(f.sk.lineBytes);
  const g = validateGlobalRecipe(
    buildGlobal(global, {
      runId,
      version: o.version,
      inputs: items.length,
      input: o.input,
      privacy: priv.mode,
      families: recipes.length,
      coveredLines: covered,
    }),
  );
  const sink = await openSink(o.output, storeOptions(o));
  const reportName = `reports/profile_qa/${runId}.html`;
  try {
    for (const r of recipes)
      await sink.put(`recipes/v1/${r.family.id}.json.zst`, zstd(Buffer.from(JSON.stringify(r))));
    await sink.put('recipes/v1/global.json.zst', zstd(Buffer.from(JSON.stringify(g))));
    await sink.put('recipes/index.parquet', indexParquet(recipes));
    const elapsedMs = performance.now() - started;
    const html = renderReport({
      global: g,
      recipes,
      // Recipe ids differ from state ids when privacy tokenises names; `accs` is index-aligned.
      sketches: new Map(
        recipes.map((r, i) => {
          const f = accs[i]!;
          const s =
            f.ident.kindCode === Kind.span
              ? f.sk.duration
              : f.sk.values.count > 0
                ? f.sk.values
                : f.sk.centroidMean;
          return [r.family.id, s];
        }),
      ),
      inputUrl: o.input,
      elapsedMs,
      readIssues: readIssues(global),
    });
    await sink.put(reportName, Buffer.from(html));
    const ok = {
      runId,
      coverage: g.totals.coverage,
      lines: g.totals.lines,
      families: recipes.length,
      inputs: items.map((i) => ({ name: i.name, size: i.size, generation: i.generation ?? null })),
    };
    await sink.put('_PROFILE_OK', Buffer.from(JSON.stringify(ok, null, 1) + '\n'));
    return {
      runId,
      global: g,
      recipes,
      inputs: items,
      reportName,
      elapsedMs,
      inputBytes: totalBytes,
      textBytes: global.read.textBytes,
    };
  } finally {
    await sink.close();
  }
}

function readIssues(g: GlobalAcc): string[] {
  const r = g.read;
  const out: string[] = [];
  if (r.corruptFrames)
    out.push(`${r.corruptFrames} corrupt frame(s) skipped (${r.corruptBytes} bytes)`);
  if (r.tailBytes) out.push(`${r.tailBytes} bytes of torn or damaged part tails not read`);
  if (r.badRecordFrames)
    out.push(`${r.badRecordFrames} frame(s) with malformed request records skipped`);
  return out;
}

function indexParquet(recipes: readonly Recipe[]): Buffer {
  const col = <T>(f: (r: Recipe) => T) => recipes.map(f);
  const ab = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: col((r) => r.family.id), type: 'STRING' },
      { name: 'kind', data: col((r) => r.family.kind), type: 'STRING' },
      { name: 'name', data: col((r) => r.family.name), type: 'STRING' },
      { name: 'keys', data: col((r) => r.family.tagKeys.join(',')), type: 'STRING' },
      { name: 'lines', data: col((r) => BigInt(r.totals.lines)), type: 'INT64' },
      { name: 'bytes', data: col((r) => BigInt(r.totals.bytes)), type: 'INT64' },
      { name: 'series', data: col((r) => BigInt(r.totals.series)), type: 'INT64' },
      { name: 'sources', data: col((r) => BigInt(r.totals.sources)), type: 'INT64' },
      { name: 'first_ms', data: col((r) => BigInt(r.totals.firstMs)), type: 'INT64' },
      { name: 'last_ms', data: col((r) => BigInt(r.totals.lastMs)), type: 'INT64' },
      { name: 'confidence', data: col((r) => r.confidence), type: 'STRING' },
      {
        name: 'branching_ratio',
        data: col((r) => r.arrivals.hawkes?.branchingRatio ?? null),
        type: 'DOUBLE',
      },
      { name: 'gof_ks', data: col((r) => r.arrivals.hawkes?.gof.ks ?? null), type: 'DOUBLE' },
      { name: 'fit_mape', data: col((r) => r.arrivals.fitMape), type: 'DOUBLE' },
    ],
  });
  return Buffer.from(ab);
}
