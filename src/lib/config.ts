// One loader for every command's configuration. Sources, lowest precedence first: the spec's
// defaults, a config file (`--config FILE`, JSON or YAML, camelCase keys), environment variables
// named in the spec, then command-line flags (kebab-case). Every problem is collected and reported
// at once (WFLG_E_CONFIG_INVALID, or WFLG_E_USAGE for flags), unknown keys are rejected, and the
// result is frozen: code past the edge never re-validates or mutates config.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { WflgError } from './errors.js';

/** The process environment as commands receive it (read once, in the CLI). */
export type Env = Readonly<Record<string, string | undefined>>;

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

interface Base<T> {
  readonly help: string;
  readonly default?: T;
  /** Environment variable consulted between the config file and the flags. */
  readonly env?: string;
  readonly required?: boolean;
}
export type OptionSpec =
  | (Base<string> & { readonly type: 'string'; readonly pattern?: RegExp })
  | (Base<string> & { readonly type: 'enum'; readonly values: readonly string[] })
  | (Base<string> & { readonly type: 'url'; readonly schemes: readonly string[] })
  | (Base<boolean> & { readonly type: 'bool' })
  | (Base<number> & {
      /** int/number: plain; bytes: accepts 64KiB, 256MiB, 1GB…; seconds: 500ms, 60s, 2m, 1h. */
      readonly type: 'int' | 'number' | 'bytes' | 'seconds';
      readonly min?: number;
      readonly max?: number;
    })
  | (Base<readonly string[]> & { readonly type: 'list' })
  | (Base<HostPort> & { readonly type: 'hostport' });

export type Spec = Readonly<Record<string, OptionSpec>>;

type ValueOf<O extends OptionSpec> = O extends { type: 'bool' }
  ? boolean
  : O extends { type: 'int' | 'number' | 'bytes' | 'seconds' }
    ? number
    : O extends { type: 'list' }
      ? readonly string[]
      : O extends { type: 'hostport' }
        ? HostPort
        : string;
type HasValue<O> = O extends { default: unknown }
  ? true
  : O extends { required: true }
    ? true
    : false;
export type ConfigOf<S extends Spec> = {
  readonly [K in keyof S]: HasValue<S[K]> extends true ? ValueOf<S[K]> : ValueOf<S[K]> | undefined;
};

export interface Loaded<S extends Spec> {
  readonly config: ConfigOf<S>;
  readonly positionals: readonly string[];
  readonly help: boolean;
}

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const BYTE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  tib: 1024 ** 4,
};
const SECOND_UNITS: Record<string, number> = { '': 1, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };

function withUnit(raw: string, units: Record<string, number>): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  if (!m) return undefined;
  const unit = units[m[2]!.toLowerCase()];
  return unit === undefined ? undefined : Number(m[1]) * unit;
}

/** Parses `host:port`, `[v6]:port` or `:port` (host 127.0.0.1: every role binds loopback by default). */
export function parseHostPort(raw: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(raw);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? (m[2] || '127.0.0.1');
  return { host, port };
}

function coerce(name: string, spec: OptionSpec, raw: unknown, problems: string[]): unknown {
  const bad = (why: string): undefined => void problems.push(`${name}: ${why}`);
  const text = typeof raw === 'string' ? raw : undefined;
  switch (spec.type) {
    case 'string':
      if (typeof raw !== 'string') return bad('must be a string');
      if (spec.pattern && !spec.pattern.test(raw)) return bad(`must match ${String(spec.pattern)}`);
      return raw;
    case 'enum':
      if (typeof raw !== 'string' || !spec.values.includes(raw))
        return bad(`must be one of ${spec.values.join('|')}`);
      return raw;
    case 'url': {
      if (typeof raw !== 'string') return bad('must be a URL string');
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        return bad(`'${raw}' is not a URL`);
      }
      const scheme = u.protocol.slice(0, -1);
      if (!spec.schemes.includes(scheme))
        return bad(`scheme must be one of ${spec.schemes.map((s) => `${s}://`).join(', ')}`);
      return raw;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      return bad('must be true or false');
    case 'int':
    case 'number':
    case 'bytes':
    case 'seconds': {
      let n: number | undefined;
      if (typeof raw === 'number') n = raw;
      else if (text !== undefined) {
        if (spec.type === 'bytes') n = withUnit(text, BYTE_UNITS);
        else if (spec.type === 'seconds') n = withUnit(text, SECOND_UNITS);
        else n = /^\s*-?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(text) ? Number(text) : undefined;
      }
      if (n === undefined || !Number.isFinite(n))
        return bad(`'${String(raw)}' is not a valid ${spec.type}`);
      if ((spec.type === 'int' || spec.type === 'bytes') && !Number.isSafeInteger(n))
        return bad('must be a whole number');
      if (spec.min !== undefined && n < spec.min) return bad(`must be ≥ ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) return bad(`must be ≤ ${spec.max}`);
      return n;
    }
    case 'list':
      if (Array.isArray(raw) && raw.every((v) => typeof v === 'string'))
        return Object.freeze([...raw]);
      if (text !== undefined) return Object.freeze(text.split(',').filter((v) => v.length > 0));
      return bad('must be a list of strings');
    case 'hostport': {
      const hp = text === undefined ? undefined : parseHostPort(text);
      return hp ? Object.freeze(hp) : bad(`'${String(raw)}' is not host:port`);
    }
  }
}

/**
 * Reads and parses a JSON (`.json`) or YAML file (config, thresholds…), with YAML aliases capped
 * against alias bombs. `what` names the file in errors, e.g. 'config file'.
 */
export function readStructuredFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WflgError(
      'WFLG_E_CONFIG_INVALID',
      `cannot read ${what} ${path}`,
      { path },
      { cause: err },
    );
  }
  try {
    return parseStructured(text, path);
  } catch (err) {
    throw new WflgError('WFLG_E_CONFIG_INVALID', `${what} ${path} does not parse: ${String(err)}`, {
      path,
    });
  }
}

/** JSON when `path` ends in .json, YAML otherwise (aliases capped: no alias bombs). Throws as parsed. */
export function parseStructured(text: string, path: string): unknown {
  return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
}

function readConfigFile(path: string): Record<string, unknown> {
  const doc = readStructuredFile(path, 'config file');
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new WflgError('WFLG_E_CONFIG_INVALID', `config file ${path} must hold one object`, {
      path,
    });
  return doc as Record<string, unknown>;
}

/**
 * Loads a command's configuration from defaults, `--config FILE`, the environment and `argv`.
 * Throws one WflgError listing every problem; returns a deeply frozen config.
 */
export function loadConfig<S extends Spec>(
  spec: S,
  argv: readonly string[],
  env: Env = {},
  /**
   * Cross-option rules, run in the same pass so every problem is still reported at once. Options
   * that failed their own validation are absent from `config`.
   */
  check?: (
    config: Partial<ConfigOf<S>>,
    problems: string[],
    positionals: readonly string[],
  ) => void,
): Loaded<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const [k, o] of Object.entries(spec))
    options[kebab(k)] = { type: o.type === 'bool' ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new WflgError('WFLG_E_USAGE', (err as Error).message);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags.help === true)
    return { config: {} as ConfigOf<S>, positionals: parsed.positionals, help: true };

  const problems: string[] = [];
  const file = typeof flags.config === 'string' ? readConfigFile(flags.config) : {};
  for (const key of Object.keys(file))
    if (!(key in spec)) problems.push(`config file: unknown key '${key}'`);
  const out: Record<string, unknown> = {};
  for (const [k, o] of Object.entries(spec)) {
    const flag = flags[kebab(k)];
    const envRaw = o.env === undefined ? undefined : env[o.env];
    const [raw, where] =
      flag !== undefined
        ? [flag, `--${kebab(k)}`]
        : envRaw !== undefined
          ? [envRaw, o.env!]
          : k in file
            ? [file[k], `config ${k}`]
            : [undefined, `--${kebab(k)}`];
    if (raw === undefined) {
      if (o.default !== undefined) out[k] = o.default;
      else if (o.required) problems.push(`${where} is required`);
      continue;
    }
    const v = coerce(where, o, raw, problems);
    if (v !== undefined) out[k] = v;
  }
  check?.(out as Partial<ConfigOf<S>>, problems, parsed.positionals);
  if (problems.length) {
    const code = typeof flags.config === 'string' ? 'WFLG_E_CONFIG_INVALID' : 'WFLG_E_USAGE';
    throw new WflgError(code, problems.join('; '), { problems });
  }
  return {
    config: Object.freeze(out) as ConfigOf<S>,
    positionals: parsed.positionals,
    help: false,
  };
}

/** Option lines for a command's --help, generated from its spec so help and validation agree. */
export function optionsHelp(spec: Spec): string {
  const rows = Object.entries(spec).map(([k, o]) => {
    const value =
      o.type === 'bool'
        ? ''
        : o.type === 'enum'
          ? ` ${o.values.join('|')}`
          : ` ${o.type.toUpperCase()}`;
    const dflt =
      o.default === undefined
        ? ''
        : ` (default ${typeof o.default === 'object' && 'port' in o.default ? `${o.default.host}:${o.default.port}` : String(o.default)})`;
    return `  --${kebab(k)}${value}\n      ${o.help}${dflt}${o.env ? ` [env ${o.env}]` : ''}`;
  });
  return [
    ...rows,
    '  --config FILE\n      JSON or YAML file with the same options in camelCase',
    '  -h, --help',
  ].join('\n');
}
