// What the control plane and its worker threads say to each other (structured-cloned messages),
// and the running totals each worker reports.
import type { GlobalRecipe, Recipe } from '../lib/recipe.js';
import type { Scenario } from './scenario.js';

export interface WorkerInit {
  recipes: Recipe[];
  global: GlobalRecipe | null;
  scenario: Scenario;
  seed: number;
  shard: number;
  shards: number;
  epochMs: number;
  target: string;
  token: string | undefined;
  connections: number;
  identityCacheBytes: number;
  pace: 'real' | 'none';
  durationMs: number;
  maxLateMs: number;
  lateMs: number;
}

export type ToWorker =
  | { type: 'scenario'; scenario: Scenario }
  | { type: 'recipes'; recipes: Recipe[]; global: GlobalRecipe | null }
  | { type: 'start'; epochMs: number }
  | { type: 'stop' };

/** Running totals every worker reports; the control plane sums them across workers. */
export const TOTAL_KEYS = [
  'planned',
  'expected',
  'sent',
  'dropped',
  'late',
  'capped',
  'malformed',
  'bytes',
  'lostBytes',
  'requests',
  'httpErrors',
  'failedLines',
  'reconnects',
] as const;
export type Totals = Record<(typeof TOTAL_KEYS)[number], number>;

export interface WorkerStats extends Totals {
  type: 'stats';
  shard: number;
  final: boolean;
  planMs: number;
  state: string;
  latency: { p50: number; p99: number; p999: number; max: number; count: number };
  families: Array<{
    id: string;
    planned: number;
    sent: number;
    capped: number;
    series: number;
    samples: number[];
  }>;
  batchSizes: number[];
}
