// The live-changeable part of a run (PUT /v1/scenario): validated completely (every problem at
// once, unknown keys rejected), then frozen. Persisted next to the generator's state so a restart
// resumes the same scenario.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WflgError } from '../lib/errors.js';
import { writeFileAtomicSync } from '../lib/store/durable.js';

export const MODES = ['series', 'frequency', 'speed'] as const;
export type Mode = (typeof MODES)[number];

export interface Scenario {
  /** How much traffic relative to the recipes (N×). */
  readonly multiplier: number;
  /** How N× is realised (DESIGN §2.5). */
  readonly mode: Mode;
  /** Recipe seconds per wall second (24 h of shape in 1 h = 24). */
  readonly timeScale: number;
  /** Absolute total lines/s; overrides the recipes' level (shape and mix kept). Null: off. */
  readonly rate: number | null;
  /** Multiplies the Hawkes branching ratio (capped below 1); 0 = Poisson. */
  readonly burstFactor: number;
  /** Share of new identities carrying a never-seen tag value. */
  readonly drift: number;
  /** Share of lines replaced by malformed ones. */
  readonly errorRate: number;
  /** Family name globs; empty = all. */
  readonly families: readonly string[];
  /** Changes of multiplier and rate are ramped over this long. */
  readonly rampSeconds: number;
  readonly paused: boolean;
}

export const DEFAULT_SCENARIO: Scenario = Object.freeze({
  multiplier: 1,
  mode: 'series',
  timeScale: 1,
  rate: null,
  burstFactor: 1,
  drift: 0,
  errorRate: 0,
  families: Object.freeze([]),
  rampSeconds: 0,
  paused: false,
});

const RANGES: Record<string, [number, number]> = {
  multiplier: [0, 1000],
  timeScale: [1e-3, 1e5],
  burstFactor: [0, 10],
  drift: [0, 1],
  errorRate: [0, 1],
  rampSeconds: [0, 3600],
};

/** Applies a partial update to `base`; throws WFLG_E_USAGE listing every problem. */
export function updateScenario(base: Scenario, patch: unknown): Scenario {
  const problems: string[] = [];
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch))
    throw new WflgError('WFLG_E_USAGE', 'scenario must be a JSON object', {
      problems: ['scenario must be a JSON object'],
    });
  const p = patch as Record<string, unknown>;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(p)) {
    const range = RANGES[k];
    if (range) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < range[0] || v > range[1])
        problems.push(`${k}: must be a number in [${range[0]}, ${range[1]}]`);
      else out[k] = v;
    } else if (k === 'rate') {
      if (v !== null && (typeof v !== 'number' || !(v > 0) || v > 1e9))
        problems.push('rate: must be null or a number in (0, 1e9] lines/s');
      else out[k] = v;
    } else if (k === 'mode') {
      if (!MODES.includes(v as Mode)) problems.push(`mode: must be one of ${MODES.join('|')}`);
      else out[k] = v;
    } else if (k === 'families') {
      if (
        !Array.isArray(v) ||
        !v.every((g) => typeof g === 'string' && g.length > 0 && g.length < 512)
      )
        problems.push('families: must be a list of non-empty glob strings');
      else out[k] = Object.freeze([...(v as string[])]);
    } else if (k === 'paused') {
      if (typeof v !== 'boolean') problems.push('paused: must be true or false');
      else out[k] = v;
    } else problems.push(`unknown key '${k}'`);
  }
  if (problems.length) throw new WflgError('WFLG_E_USAGE', problems.join('; '), { problems });
  return Object.freeze(out) as unknown as Scenario;
}

/** Glob (`*`, `?`) over family names. */
export function familyMatcher(globs: readonly string[]): (name: string) => boolean {
  if (globs.length === 0) return () => true;
  const res = globs.map(
    (g) =>
      new RegExp(
        '^' +
          g
            .split('')
            .map((c) =>
              c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.|+()[\]{}]/g, '\\$&'),
            )
            .join('') +
          '$',
      ),
  );
  return (name) => res.some((r) => r.test(name));
}

const FILE = 'scenario.json';

export function loadPersisted(dir: string | undefined): unknown {
  if (!dir) return undefined;
  try {
    return JSON.parse(readFileSync(join(dir, FILE), 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Written to a temporary name, fsync'd and renamed before the change is acknowledged, so neither
 * a crash nor a power loss leaves half a scenario or loses one the admin API accepted. */
export function persist(dir: string | undefined, s: Scenario): void {
  if (!dir) return;
  writeFileAtomicSync(join(dir, FILE), JSON.stringify(s, null, 2) + '\n');
}
