// Immutable, versioned snapshots: validated, encoded once, content-hashed. A version is a hash of
// the bytes, not a counter, so the same content has the same version across restarts and
// replicas (a restarted counter is how other control planes came to skip answers they owed).
import { createHash } from 'node:crypto';
import { WflgError } from '../lib/errors.js';
import { encodeAny, TYPE_URLS, type TypeUrl } from './proto.js';
import type { Resources } from './builder.js';
import { resourceName, validateType } from './validate.js';

export interface Resource {
  readonly name: string;
  readonly version: string;
  /** `google.protobuf.Any` bytes, written as-is to every stream. */
  readonly any: Buffer;
  readonly value: Readonly<Record<string, unknown>>;
}

export interface TypeSnapshot {
  readonly version: string;
  readonly resources: ReadonlyMap<string, Resource>;
}

export interface Snapshot {
  readonly types: ReadonlyMap<TypeUrl, TypeSnapshot>;
  /** Hash over every type's version: equal digests mean nothing to push. */
  readonly digest: string;
}

const hash = (data: string | Buffer): string =>
  createHash('sha256').update(data).digest('hex').slice(0, 12);

/**
 * Validates and encodes every resource. Throws WFLG_E_XDS_INVALID listing every problem; the
 * caller keeps the previous snapshot live. `previous` lets unchanged resources reuse their bytes.
 */
export function makeSnapshot(
  resources: Resources,
  runtimeLayer: string,
  previous?: Snapshot,
): Snapshot {
  const problems: string[] = [];
  for (const t of TYPE_URLS) problems.push(...validateType(t, resources[t], runtimeLayer));
  if (problems.length) throw new WflgError('WFLG_E_XDS_INVALID', problems.join('; '), { problems });
  const types = new Map<TypeUrl, TypeSnapshot>();
  for (const t of TYPE_URLS) {
    const map = new Map<string, Resource>();
    for (const value of resources[t]) {
      const name = resourceName(t, value);
      const any = encodeAny(t, value);
      const version = hash(any);
      const old = previous?.types.get(t)?.resources.get(name);
      map.set(name, old && old.version === version ? old : { name, version, any, value });
    }
    const names = [...map.keys()].sort();
    const version = hash(names.map((n) => `${n}:${map.get(n)!.version}`).join('\n'));
    types.set(t, { version, resources: map });
  }
  const digest = hash(TYPE_URLS.map((t) => types.get(t)!.version).join('\n'));
  return { types, digest };
}

/** JSON view for the admin API: versions and decoded values. */
export function describeSnapshot(s: Snapshot | undefined): {
  digest: string | null;
  types: Record<string, unknown>;
} {
  if (!s) return { digest: null, types: {} };
  const types: Record<string, unknown> = {};
  for (const [t, ts] of s.types)
    types[t] = {
      version: ts.version,
      resources: [...ts.resources.values()].map((r) => ({
        name: r.name,
        version: r.version,
        value: r.value,
      })),
    };
  return { digest: s.digest, types };
}
