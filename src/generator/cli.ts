// `wflg generate`: loads and validates the recipe set, starts the workers and the admin API, runs
// until --duration or SIGINT/SIGTERM, and prints the final totals as one JSON line.
import { mkdirSync } from 'node:fs';
import { stopSignal, type Io } from '../cli/io.js';
import { loadConfig, optionsHelp, type Spec, type Env } from '../lib/config.js';
import { WflgError } from '../lib/errors.js';
import { isLoopback } from '../lib/http.js';
import { startAdmin } from './admin.js';
import { Generator } from './generator.js';
import { loadRecipes } from './recipes.js';
import { DEFAULT_IDENTITY_CACHE_BYTES } from './tag-cache.js';
import {
  DEFAULT_SCENARIO,
  MODES,
  loadPersisted,
  updateScenario,
  type Scenario,
} from './scenario.js';

export const GENERATE_SPEC = {
  recipes: {
    type: 'string',
    required: true,
    help: 'recipe root (file://, gs:// or a directory) holding recipes/v1/',
  },
  target: {
    type: 'url',
    schemes: ['tcp', 'http', 'https', 'file'],
    required: true,
    help: 'tcp://host:2878 (plaintext), http(s)://host:port/report (batched POSTs) or file:///path',
  },
  multiplier: { type: 'number', min: 0, max: 1000, help: 'N× the recipes (default 1)' },
  timeScale: {
    type: 'number',
    min: 0.001,
    max: 100000,
    help: 'recipe seconds per second (default 1)',
  },
  mode: { type: 'enum', values: MODES, help: 'how N× is realised (default series)' },
  rate: {
    type: 'number',
    min: 0.001,
    max: 1e9,
    help: 'absolute total lines/s (shape and mix kept)',
  },
  burstFactor: {
    type: 'number',
    min: 0,
    max: 10,
    help: 'multiplies the Hawkes branching ratio (default 1)',
  },
  drift: {
    type: 'number',
    min: 0,
    max: 1,
    help: 'share of new identities with a never-seen tag value',
  },
  errorRate: { type: 'number', min: 0, max: 1, help: 'share of lines replaced by malformed ones' },
  families: { type: 'list', help: 'family name globs to generate (default all)' },
  rampSeconds: {
    type: 'number',
    min: 0,
    max: 3600,
    help: 'ramp for live rate changes (default 0)',
  },
  seed: {
    type: 'int',
    min: 0,
    max: 2 ** 32 - 1,
    default: 1,
    help: 'seed of every plan and synthesis stream',
  },
  workers: { type: 'int', min: 1, max: 256, default: 1, help: 'worker threads' },
  shard: {
    type: 'string',
    pattern: /^\d+\/\d+$/,
    default: '0/1',
    help: "this process's shard i/n of the series space",
  },
  connections: {
    type: 'int',
    min: 1,
    max: 64,
    default: 1,
    help: 'connections per worker (HTTP: 4 requests in flight each)',
  },
  identityCache: {
    type: 'bytes',
    min: 0,
    max: 4 * 1024 ** 3,
    default: DEFAULT_IDENTITY_CACHE_BYTES,
    help: 'per worker: rendered series identities kept to skip re-drawing tags (0 = off)',
  },
  duration: {
    type: 'seconds',
    min: 0,
    default: 0,
    help: 'stop after this long of plan time (0 = run until stopped)',
  },
  pace: {
    type: 'enum',
    values: ['real', 'none'],
    default: 'real',
    help: "real: send on the plan's clock; none: render the plan as fast as possible",
  },
  epochMs: {
    type: 'int',
    min: 0,
    help: 'plan time origin in Unix ms (default now); fixes timestamps for byte-identical runs',
  },
  maxLateMs: {
    type: 'int',
    min: 0,
    default: 1000,
    help: 'planned work later than this is dropped and counted, not sent',
  },
  lateMs: { type: 'int', min: 0, default: 100, help: 'sends later than this count as late' },
  admin: {
    type: 'hostport',
    default: { host: '127.0.0.1', port: 0 },
    help: 'admin API /v1/status, /v1/scenario, /metrics',
  },
  adminToken: {
    type: 'string',
    env: 'WFLG_ADMIN_TOKEN',
    help: 'bearer token for the admin API (required beyond loopback)',
  },
  token: {
    type: 'string',
    env: 'WFLG_TARGET_TOKEN',
    help: 'bearer token sent to an HTTP target (direct ingestion)',
  },
  stateDir: {
    type: 'string',
    help: 'directory where the live scenario is persisted across restarts',
  },
  reloadSeconds: {
    type: 'seconds',
    min: 0,
    default: 30,
    help: 'recipe hot-reload check interval (0 = off)',
  },
} as const satisfies Spec;

export const GENERATE_HELP = `Usage: wflg generate --recipes ROOT --target URL [options]

Generates look-alike Wavefront traffic from recipes, on a seeded plan, at N×, with a live admin API.
Prints one JSON line with the admin port on start and one with the totals at the end.

Options:
${optionsHelp(GENERATE_SPEC)}`;

const SCENARIO_KEYS = [
  'multiplier',
  'timeScale',
  'mode',
  'rate',
  'burstFactor',
  'drift',
  'errorRate',
  'families',
  'rampSeconds',
] as const;

export async function generate(
  argv: string[],
  io: Io,
  env: Env = {},
  stop: Promise<unknown> = stopSignal(),
): Promise<number> {
  const { config: c, help } = loadConfig(GENERATE_SPEC, argv, env);
  if (help) {
    io.out(GENERATE_HELP + '\n');
    return 0;
  }
  const [si, sn] = c.shard.split('/').map(Number) as [number, number];
  if (!(sn >= 1 && si < sn))
    throw new WflgError('WFLG_E_USAGE', `--shard ${c.shard}: need i/n with 0 ≤ i < n`);
  if (!isLoopback(c.admin.host) && !c.adminToken)
    throw new WflgError(
      'WFLG_E_USAGE',
      `--admin ${c.admin.host} is beyond loopback: --admin-token is required`,
    );
  if (c.stateDir) mkdirSync(c.stateDir, { recursive: true });
  const set = await loadRecipes(c.recipes);
  // Scenario: defaults < persisted state < flags given now.
  let scenario: Scenario = DEFAULT_SCENARIO;
  const persisted = loadPersisted(c.stateDir);
  if (persisted !== undefined) scenario = updateScenario(scenario, persisted);
  const flags: Record<string, unknown> = {};
  for (const k of SCENARIO_KEYS) if (c[k] !== undefined) flags[k] = c[k];
  scenario = updateScenario(scenario, flags);
  const g = new Generator(
    {
      recipes: c.recipes,
      target: c.target,
      seed: c.seed,
      workers: c.workers,
      shard: { index: si, count: sn },
      // Unset: the plan starts once every worker has minted its identities (see Generator.start).
      epochMs: c.epochMs,
      durationMs: c.duration * 1000,
      connections: c.connections,
      identityCacheBytes: c.identityCache,
      token: c.token,
      pace: c.pace as 'real' | 'none',
      maxLateMs: c.maxLateMs,
      lateMs: c.lateMs,
      stateDir: c.stateDir,
    },
    set,
    scenario,
  );
  const admin = await startAdmin(g, c.admin, c.adminToken);
  g.start();
  io.out(
    JSON.stringify({
      role: 'generate',
      admin: `${c.admin.host}:${admin.port}`,
      port: admin.port,
      target: c.target,
      families: set.recipes.length,
      recipes: set.version,
    }) + '\n',
  );
  const reload =
    c.reloadSeconds > 0
      ? setInterval(() => void g.checkRecipes(), c.reloadSeconds * 1000)
      : undefined;
  reload?.unref();
  await Promise.race([g.wait(), stop.then(() => g.stop())]);
  clearInterval(reload);
  admin.close();
  io.out(JSON.stringify({ done: true, totals: g.totals() }) + '\n');
  return 0;
}
