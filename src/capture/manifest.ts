// Manifest appends: one line per confirmed part in
// capture/dt=<day>/manifests/<instance>-manifest.jsonl. The object is rewritten whole under the
// generation it was read at, and a part already listed is never listed again, so a crash anywhere
// (before, during or after the write) and the retry that follows leave exactly one line per part.
import { isWflgError } from '../lib/errors.js';
import type { ObjectStore } from '../lib/store/index.js';
import type { CrashPoints } from './layout.js';

export interface ManifestLine {
  readonly object: string;
  readonly size: number;
  readonly crc32c: number;
  readonly generation: string;
  readonly lines: number;
  readonly requests: number;
  readonly rawBytes: number;
  readonly firstArrivalMs: number;
  readonly lastArrivalMs: number;
  readonly writer: string;
  readonly seq: number;
  readonly mirrorFraction: number;
  readonly rejects: Readonly<Record<string, number>>;
}

/** The objects a manifest's text lists; unparsable lines are skipped (a foreign edit, not ours). */
export function listedObjects(text: string): Set<string> {
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as { object?: unknown };
      if (typeof v.object === 'string') out.add(v.object);
    } catch {
      // skipped
    }
  }
  return out;
}

export class Manifests {
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: ObjectStore,
    private readonly crash: CrashPoints,
  ) {}

  /** Appends `line` unless its object is already listed; calls to one manifest run one at a time. */
  append(name: string, line: ManifestLine): Promise<'appended' | 'present'> {
    const prev = this.chains.get(name) ?? Promise.resolve();
    const next = prev.then(
      () => this.once(name, line),
      () => this.once(name, line),
    );
    const settled = next.catch(() => undefined);
    this.chains.set(name, settled);
    void settled.then(() => {
      if (this.chains.get(name) === settled) this.chains.delete(name);
    });
    return next;
  }

  private async once(name: string, line: ManifestLine): Promise<'appended' | 'present'> {
    for (;;) {
      const got = await this.store.readAll(name).catch((err: unknown) => {
        if (isWflgError(err, 'WFLG_E_STORE_NOT_FOUND')) return undefined;
        throw err;
      });
      const text = got ? got.data.toString('utf8') : '';
      const generation = got ? got.info.generation : '0';
      if (listedObjects(text).has(line.object)) return 'present';
      const sep = text === '' || text.endsWith('\n') ? '' : '\n';
      const data = Buffer.from(`${text}${sep}${JSON.stringify(line)}\n`);
      try {
        await this.store.putBytes(name, data, generation);
      } catch (err) {
        // Another writer got there first (or our own earlier attempt did): read again.
        if (isWflgError(err, 'WFLG_E_STORE_PRECONDITION')) continue;
        throw err;
      }
      this.crash.hit('manifested');
      return 'appended';
    }
  }
}
