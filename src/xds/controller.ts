// Joins the inputs (inventory, capture.enabled) to the published snapshot: builds, validates,
// suppresses no-ops, debounces churn, and hands each new snapshot to the server. Holds the only
// mutable state outside the streams, and it is just "the latest inputs".
import { isWflgError } from '../lib/errors.js';
import { buildResources, type BuildSettings } from './builder.js';
import { CLUSTERS, type Inventory } from './inventory.js';
import { makeSnapshot, type Snapshot } from './snapshot.js';
import type { XdsMetrics } from './metrics.js';

export interface Publisher {
  publish(s: Snapshot): void;
}

export interface DebounceOptions {
  /** Quiet period: changes closer together than this are merged. */
  readonly quietMs: number;
  /** A stream of changes still publishes at least this often. */
  readonly maxMs: number;
}

export class Controller {
  private inventory: Inventory | undefined;
  private capture: number;
  private current: Snapshot | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private firstPendingAt: number | undefined;
  lastInvalid: string | undefined;

  constructor(
    private readonly settings: Omit<BuildSettings, 'captureEnabled'>,
    captureEnabled: number,
    private readonly out: Publisher,
    private readonly metrics: XdsMetrics,
    private readonly debounce: DebounceOptions,
    private readonly log: (msg: string) => void,
  ) {
    this.capture = captureEnabled;
    this.metrics.captureEnabled.set(captureEnabled);
  }

  get captureEnabled(): number {
    return this.capture;
  }

  snapshot(): Snapshot | undefined {
    return this.current;
  }

  /** Ready once a first complete inventory has been published. */
  get ready(): boolean {
    return this.current !== undefined;
  }

  setCapture(value: number): void {
    this.capture = value;
    this.metrics.captureEnabled.set(value);
    // An operator's switch is not churn: publish now (if there is anything to publish yet).
    if (this.inventory) this.rebuild();
  }

  setInventory(inv: Inventory): void {
    const first = this.inventory === undefined;
    const drains = !first && this.newDrains(this.inventory!, inv);
    this.inventory = inv;
    // The first listing and a host starting to drain are latency-sensitive: skip the debounce.
    if (first || drains) {
      this.rebuild();
      return;
    }
    const now = Date.now();
    this.firstPendingAt ??= now;
    clearTimeout(this.quietTimer);
    const wait = Math.min(this.debounce.quietMs, this.firstPendingAt + this.debounce.maxMs - now);
    this.quietTimer = setTimeout(() => this.rebuild(), Math.max(0, wait));
    this.quietTimer.unref();
  }

  private newDrains(before: Inventory, after: Inventory): boolean {
    for (const [cluster, hosts] of after) {
      const was = new Map((before.get(cluster) ?? []).map((h) => [h.id, h.health]));
      for (const h of hosts)
        if (h.health === 'DRAINING' && was.get(h.id) === 'HEALTHY') return true;
    }
    return false;
  }

  /** Builds and publishes now; returns whether a new snapshot went out. */
  rebuild(): boolean {
    clearTimeout(this.quietTimer);
    this.firstPendingAt = undefined;
    if (!this.inventory) return false;
    let next: Snapshot;
    try {
      next = makeSnapshot(
        buildResources(this.inventory, { ...this.settings, captureEnabled: this.capture }),
        this.settings.runtimeLayer,
        this.current,
      );
    } catch (err) {
      if (!isWflgError(err, 'WFLG_E_XDS_INVALID')) throw err;
      this.lastInvalid = err.message;
      this.metrics.snapshots.inc({ result: 'invalid' });
      this.log(`snapshot rejected, previous stays live: ${err.message}`);
      return false;
    }
    if (this.current?.digest === next.digest) {
      this.metrics.snapshots.inc({ result: 'unchanged' });
      return false;
    }
    this.current = next;
    this.metrics.snapshots.inc({ result: 'published' });
    this.metrics.lastPublish.set(Date.now() / 1000);
    for (const c of CLUSTERS)
      for (const health of ['HEALTHY', 'DRAINING'] as const)
        this.metrics.hosts.set(
          { cluster: c, health },
          (this.inventory.get(c) ?? []).filter((h) => h.health === health).length,
        );
    this.out.publish(next);
    return true;
  }

  close(): void {
    clearTimeout(this.quietTimer);
  }
}
