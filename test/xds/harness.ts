// Test plumbing for the xDS controller: a scripted inventory source, hosts, builder settings and an
// in-process controller on ephemeral loopback ports (also used by bench/xds-push.bench.ts).
import type { BuildSettings } from '../../src/xds/builder.js';
import { loadXdsConfig, type XdsPlan } from '../../src/xds/config.js';
import type { Health, Host, Inventory } from '../../src/xds/inventory.js';
import { startXds, type XdsService } from '../../src/xds/service.js';
import type { InventorySource } from '../../src/xds/static-source.js';
import { waitFor } from '../helpers.js';

export class ScriptedSource implements InventorySource {
  polls = 0;
  failWith: Error | undefined;
  constructor(public inventory: Inventory) {}
  poll(): Promise<Inventory> {
    this.polls++;
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(this.inventory);
  }
  close(): void {}
}

export function host(
  n: number,
  zone = 'us-central1-a',
  health: Health = 'HEALTHY',
  port = 2878,
  address = `10.0.${Math.floor(n / 250)}.${(n % 250) + 1}`,
): Host {
  return {
    id: `id-${n}`,
    name: `vm-${n}`,
    address,
    port,
    region: zone.replace(/-[a-z]$/, ''),
    zone,
    health,
  };
}

export function inv(collector: Host[], capture: Host[] = []): Inventory {
  return new Map([
    ['collector_cluster', collector],
    ['capture_cluster', capture],
  ]);
}

/** A plan on ephemeral loopback ports that polls only when told (`pollNow`) and never debounces. */
export function testPlan(args: readonly string[]): XdsPlan {
  const { plan } = loadXdsConfig(
    [
      '--listen',
      '127.0.0.1:0',
      '--admin',
      '127.0.0.1:0',
      '--poll-interval',
      '3600',
      '--debounce',
      '0',
      ...args,
    ],
    {},
  );
  return plan!;
}

export function startTestXds(source: InventorySource, args: string[] = []): Promise<XdsService> {
  return startXds(testPlan(['--static-file', 'unused.yaml', ...args]), { source });
}

/** Builder settings as `wflg xds` defaults them, plus one gRPC listener. */
export const SETTINGS: BuildSettings = {
  captureEnabled: 0,
  runtimeLayer: 'capture',
  captureStreamMs: 150,
  captureConnectMs: 100,
  collectorConnectMs: 1000,
  healthPath: { collector_cluster: '/health', capture_cluster: '/health' },
  healthIntervalMs: 5000,
  captureMaxRequests: 256,
  captureMaxPending: 64,
  grpcListeners: { collector: 'collector_cluster' },
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms (after running `probe`, when given) until true or `timeoutMs` passes. */
export function until(
  cond: () => boolean,
  timeoutMs = 3000,
  what = 'condition',
  probe?: () => Promise<void>,
): Promise<void> {
  const check = async (): Promise<boolean> => {
    if (probe) await probe().catch(() => undefined);
    return cond();
  };
  return waitFor(what, check, timeoutMs, probe ? 50 : 10);
}
