// Small hand-written recipes for the generator's tests, valid against schema/recipe.v1.schema.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FamilyKind, GlobalRecipe, Quantiles, Recipe } from '../../src/lib/recipe.js';
import { SOURCE_PAIR_KEY, validateGlobalRecipe, validateRecipe } from '../../src/lib/recipe.js';
import { familyIdOfKey, familyKey } from '../../src/lib/wavefront.js';
import { hawkesDispersion } from '../../src/lib/stats/hawkes.js';

export const q = (pairs: [number, number][], n = 1000): Quantiles => ({
  n,
  min: pairs[0]![1],
  max: pairs[pairs.length - 1]![1],
  mean: pairs.reduce((a, p) => a + p[1], 0) / pairs.length,
  q: pairs,
  sketch: null,
});
const EMPTY_Q: Quantiles = { n: 0, min: 0, max: 0, mean: 0, q: [], sketch: null };
const table = (values: Array<[string, number]>) => ({
  distinct: values.length,
  top: values.map(([v, n]) => ({ v, n })),
  tail: { distinct: 0, count: 0, zipfS: null, length: EMPTY_Q, charClass: 'empty' as const },
});

/** Tags for test families: 5 sources × 2 × 4 = 40 identities. */
export const KEYS: Record<string, Array<[string, number]>> = {
  env: [
    ['prod', 3],
    ['dev', 1],
  ],
  role: [
    ['web', 5],
    ['db', 3],
    ['cache', 2],
    ['queue', 1],
  ],
};

/** Production-like skew for the benchmarks' families. */
export const BENCH_KEYS: Record<string, Array<[string, number]>> = {
  env: [
    ['prod', 30],
    ['staging', 5],
    ['dev', 2],
  ],
  role: [
    ['web', 9],
    ['db', 3],
    ['cache', 2],
    ['queue', 2],
    ['auth', 1],
  ],
};

export interface RecipeSpec {
  name: string;
  kind?: FamilyKind;
  /** Lines/s at 1×. */
  rate: number;
  series?: number;
  hawkes?: { branching: number; beta: number } | null;
  sources?: Array<[string, number]>;
  keys?: Record<string, Array<[string, number]>>;
}

export function recipe(s: RecipeSpec): Recipe {
  const kind = s.kind ?? 'metric';
  const keys = s.keys ?? {
    env: [
      ['prod', 3],
      ['dev', 1],
    ],
  };
  const tagKeys = Object.keys(keys).sort();
  const key = familyKey(kind, s.name, tagKeys);
  const h = s.hawkes ?? null;
  const r: Recipe = {
    schema: 'wflg.recipe/v1',
    family: { id: familyIdOfKey(key), key, kind, name: s.name, tagKeys },
    privacy: { mode: 'raw', k: 1, salted: false },
    confidence: 'high',
    notes: [],
    totals: {
      lines: 3600 * s.rate,
      bytes: 3600 * s.rate * 60,
      series: s.series ?? 50,
      sources: 5,
      firstMs: 1732233600000,
      lastMs: 1732237199000,
    },
    arrivals: {
      startMs: 1732233600000,
      resolutionSeconds: 60,
      counts: Array(60).fill(60 * s.rate) as number[],
      intensity: Array(60).fill(s.rate) as number[],
      seasonality: null,
      hawkes: h && {
        mu: s.rate * (1 - h.branching),
        alpha: h.branching * h.beta,
        beta: h.beta,
        branchingRatio: h.branching,
        logLikelihood: -1,
        events: 1000,
        gof: { ks: 0.01, pValue: 0.5 },
      },
      // What the bursts give 60 s buckets: a recipe's counts show its process's dispersion.
      dispersionIndex: h ? hawkesDispersion(h.branching, h.beta, 60) : 1,
      lag1Autocorrelation: 0,
      fitMape: 0.01,
    },
    timestamps: {
      presentShare: 1,
      unit: 's',
      lagMs: q([
        [0, 0],
        [1, 500],
      ]),
      alignmentSeconds: 0,
      alignedShare: 0,
    },
    series: {
      count: s.series ?? 50,
      sources: table(
        s.sources ?? [
          ['web-01', 5],
          ['web-02', 3],
          ['db-01', 2],
          ['db-02', 1],
          ['cache-01', 1],
        ],
      ),
      keys: tagKeys.map((k) => ({
        key: k,
        presence: 1,
        cardinality: keys[k]!.length,
        values: table(keys[k]!),
      })),
      keySets: [{ keys: tagKeys, share: 1 }],
      valuePairs: [],
      churn: {
        birthsPerMinute: 0,
        deathsPerMinute: 0,
        lifetimeSeconds: q([
          [0, 3600],
          [1, 3600],
        ]),
        stableShare: 1,
      },
      pointsPerSeries: q([
        [0, 10],
        [1, 100],
      ]),
      intervalSeconds: q([
        [0, 10],
        [1, 10],
      ]),
      sameSecondShare: 0,
    },
    values: null,
    histogram: null,
    span: null,
    lineBytes: q([
      [0, 40],
      [1, 120],
    ]),
    quoting: { name: 1, source: 1, keys: 1, values: 1 },
    rejects: [],
  };
  if (kind === 'metric' || kind === 'delta')
    r.values = {
      model: kind === 'delta' ? 'delta' : 'gauge',
      marginal: q([
        [0, 1],
        [0.5, 10],
        [0.9, 50],
        [1, 100],
      ]),
      steps: q([
        [0, -1],
        [1, 1],
      ]),
      lag1Autocorrelation: 0.8,
      integerShare: 0,
      decimals: [{ digits: 2, share: 1 }],
      nanShare: 0,
      infShare: 0,
      negativeShare: 0,
      zeroShare: 0,
      resetShare: 0,
    };
  else if (kind === 'span')
    r.span = {
      durationMs: q([
        [0, 1],
        [0.5, 20],
        [1, 900],
      ]),
      spansPerTrace: q([
        [0, 1],
        [1, 6],
      ]),
      fanOut: q([
        [0, 1],
        [1, 3],
      ]),
      depth: q([
        [0, 1],
        [1, 3],
      ]),
      rootShare: 0.3,
      spanLogShare: 0,
      annotationKeys: [],
    };
  else
    r.histogram = {
      granularity: 'minute',
      centroidsPerLine: q([
        [0, 1],
        [1, 8],
      ]),
      centroidCount: q([
        [0, 1],
        [1, 20],
      ]),
      centroidMean: q([
        [0, 0.5],
        [0.5, 12],
        [1, 400],
      ]),
      totalCount: q([
        [0, 1],
        [1, 160],
      ]),
    };
  return validateRecipe(r);
}

export function globalRecipe(
  linesPerRequest: [number, number][] | null,
  gzipShare = 0,
): GlobalRecipe {
  const arrivals = {
    startMs: 1732233600000,
    resolutionSeconds: 60,
    counts: [10],
    intensity: [0.2],
    seasonality: null,
    hawkes: null,
    dispersionIndex: 1,
    lag1Autocorrelation: 0,
    fitMape: null,
  };
  const g: GlobalRecipe = {
    schema: 'wflg.recipe-global/v1',
    run: { id: '0123456789abcdef', profiler: 'test', inputs: 1, input: 'test' },
    privacy: { mode: 'raw', k: 1, salted: false },
    window: { startMs: 1732233600000, endMs: 1732237200000, seconds: 3600, timeAxis: 'arrival' },
    mirrorFraction: 1,
    totals: {
      lines: 1000,
      bytes: 60000,
      requests: 10,
      families: 1,
      acceptedLines: 1000,
      rejectedLines: 0,
      coveredLines: 1000,
      coverage: 1,
    },
    kinds: [{ kind: 'metric', lines: 1000, share: 1 }],
    requests: linesPerRequest && {
      linesPerRequest: q(linesPerRequest),
      wireBytes: q([
        [0, 100],
        [1, 10000],
      ]),
      storedBytes: q([
        [0, 100],
        [1, 10000],
      ]),
      interArrivalMs: q([
        [0, 1],
        [1, 1000],
      ]),
      encodings: [
        { encoding: 'identity', share: 1 - gzipShare },
        { encoding: 'gzip', share: gzipShare },
      ],
      formats: [{ format: 'wavefront', share: 1 }],
      paths: [{ path: '/report', share: 1 }],
      arrivals,
      clients: {
        count: 1,
        requestsPerClient: q([
          [0, 10],
          [1, 10],
        ]),
        linesPerRequestByClient: q([
          [0, 1],
          [1, 100],
        ]),
      },
    },
    rejects: [],
    lineBytes: q([
      [0, 40],
      [1, 120],
    ]),
  };
  return validateGlobalRecipe(g);
}

/** Writes a recipe root (`<dir>/recipes/v1/*.json`) and returns `dir`. */
export function writeRoot(
  dir: string,
  recipes: Recipe[],
  global: GlobalRecipe | null = null,
): string {
  const v1 = join(dir, 'recipes', 'v1');
  mkdirSync(v1, { recursive: true });
  for (const r of recipes) writeFileSync(join(v1, `${r.family.id}.json`), JSON.stringify(r));
  if (global) writeFileSync(join(v1, 'global.json'), JSON.stringify(global));
  return dir;
}

/** The demo's LLM family shape: two series, one per workload, each workload tied to its source
 * by a value pair, 69 % / 31 % of the lines. */
export function llmPair(kind: FamilyKind, name: string): Recipe {
  const r = recipe({
    name,
    kind,
    rate: 100,
    series: 2,
    sources: [
      ['azure-llm-conv', 19366],
      ['azure-llm-code', 8819],
    ],
    keys: {
      workload: [
        ['conversation', 19366],
        ['code', 8819],
      ],
    },
  });
  r.series.valuePairs = [
    {
      a: SOURCE_PAIR_KEY,
      b: 'workload',
      mutualInformation: 1,
      pairs: [
        ['azure-llm-conv', 'conversation', 19366],
        ['azure-llm-code', 'code', 8819],
      ],
    },
  ];
  return r;
}
