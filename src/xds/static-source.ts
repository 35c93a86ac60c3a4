// The embedded default inventory: a YAML or JSON file listing hosts per cluster, re-read when it
// changes. A file that does not parse or validate is an error for that poll (the last good
// inventory stays live), never an empty inventory.
//
//   clusters:
//     collector_cluster:
//       - { address: 10.0.0.5, port: 2878, zone: us-central1-a, name: proxy-1 }
//       - { address: 10.0.0.6, port: 2878, zone: us-central1-b, health: DRAINING }
//     capture_cluster: []
import { open } from 'node:fs/promises';
import { unwatchFile, watchFile } from 'node:fs';
import { isIP } from 'node:net';
import { parseStructured } from '../lib/config.js';
import { isWflgError, WflgError } from '../lib/errors.js';
import { CLUSTERS, type Host, type Inventory } from './inventory.js';

export interface InventorySource {
  /** A complete listing, or a throw: never a partial one. */
  poll(): Promise<Inventory>;
  /** Calls back when the source knows it changed (the poller then polls at once). */
  onChange?(cb: () => void): void;
  close(): void;
}

const MAX_FILE = 4 * 1024 * 1024;
const over = (path: string): string => `${path} is over ${MAX_FILE} bytes`;
const HOST_KEYS = new Set(['address', 'port', 'zone', 'region', 'name', 'health', 'id']);

/** Parses and validates the file's text; throws WFLG_E_XDS_INVENTORY listing every problem. */
export function parseStaticInventory(text: string, where: string): Inventory {
  let doc: unknown;
  try {
    doc = parseStructured(text, where);
  } catch (err) {
    throw new WflgError('WFLG_E_XDS_INVENTORY', `${where} does not parse: ${String(err)}`);
  }
  const problems: string[] = [];
  const root = doc as { clusters?: unknown } | null;
  if (root === null || typeof root !== 'object' || Array.isArray(root))
    throw new WflgError('WFLG_E_XDS_INVENTORY', `${where}: must hold one object with 'clusters'`);
  for (const k of Object.keys(root)) if (k !== 'clusters') problems.push(`unknown key '${k}'`);
  const clusters = root.clusters as Record<string, unknown> | undefined;
  if (clusters === null || typeof clusters !== 'object' || Array.isArray(clusters))
    throw new WflgError('WFLG_E_XDS_INVENTORY', `${where}: 'clusters' must be an object`);
  const out = new Map<string, Host[]>();
  for (const [cluster, list] of Object.entries(clusters)) {
    if (!(CLUSTERS as readonly string[]).includes(cluster)) {
      problems.push(`unknown cluster '${cluster}' (expected ${CLUSTERS.join(', ')})`);
      continue;
    }
    if (!Array.isArray(list)) {
      problems.push(`${cluster}: must be a list of hosts`);
      continue;
    }
    const hosts: Host[] = [];
    const seen = new Set<string>();
    list.forEach((raw: unknown, i) => {
      const at = `${cluster}[${i}]`;
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        problems.push(`${at}: must be an object`);
        return;
      }
      const h = raw as Record<string, unknown>;
      for (const k of Object.keys(h))
        if (!HOST_KEYS.has(k)) problems.push(`${at}: unknown key '${k}'`);
      const address = h.address;
      const port = h.port;
      const zone =
        typeof h.zone === 'string' ? h.zone : h.zone === undefined ? 'default-zone-a' : '';
      const health = h.health ?? 'HEALTHY';
      if (typeof address !== 'string' || isIP(address) === 0)
        problems.push(`${at}.address must be an IP literal`);
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
        problems.push(`${at}.port must be 1..65535`);
      if (typeof zone !== 'string' || zone.length === 0)
        problems.push(`${at}.zone must be a string`);
      if (health !== 'HEALTHY' && health !== 'DRAINING')
        problems.push(`${at}.health must be HEALTHY or DRAINING`);
      const region = typeof h.region === 'string' ? h.region : zone.replace(/-[a-z]$/, '');
      const key = `${String(address)}:${String(port)}`;
      if (seen.has(key)) problems.push(`${at}: duplicate address ${key}`);
      seen.add(key);
      hosts.push({
        id: typeof h.id === 'string' ? h.id : key,
        name: typeof h.name === 'string' ? h.name : key,
        address: String(address),
        port: Number(port),
        region,
        zone,
        health: health as Host['health'],
      });
    });
    out.set(cluster, hosts);
  }
  if (problems.length)
    throw new WflgError('WFLG_E_XDS_INVENTORY', `${where}: ${problems.join('; ')}`, { problems });
  return out;
}

export class StaticFileSource implements InventorySource {
  private watching = false;

  constructor(private readonly path: string) {}

  async poll(): Promise<Inventory> {
    let text: Buffer;
    try {
      const fh = await open(this.path, 'r');
      try {
        // Sized on the open file first, so an oversized one is refused without being loaded.
        if ((await fh.stat()).size > MAX_FILE)
          throw new WflgError('WFLG_E_XDS_INVENTORY', over(this.path));
        text = await fh.readFile();
      } finally {
        await fh.close();
      }
    } catch (err) {
      if (isWflgError(err)) throw err;
      throw new WflgError('WFLG_E_XDS_INVENTORY', `cannot read ${this.path}`, {}, { cause: err });
    }
    // It may have grown between the size check and the read.
    if (text.length > MAX_FILE) throw new WflgError('WFLG_E_XDS_INVENTORY', over(this.path));
    return parseStaticInventory(text.toString('utf8'), this.path);
  }

  onChange(cb: () => void): void {
    // stat polling, not fs.watch: it survives editors that replace the file and ConfigMap symlink swaps.
    this.watching = true;
    watchFile(this.path, { interval: 250, persistent: false }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs || cur.size !== prev.size || cur.ino !== prev.ino) cb();
    });
  }

  close(): void {
    if (this.watching) unwatchFile(this.path);
    this.watching = false;
  }
}
