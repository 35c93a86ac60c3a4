// Polls an inventory source: fixed interval with jitter while healthy, exponential backoff with
// jitter on failure (1 s doubling to a cap), and a guardrail against one glitchy listing emptying
// a cluster. Only complete listings reach the controller.
import type { Host, Inventory } from './inventory.js';
import type { InventorySource } from './static-source.js';
import { PartialListing } from './gce.js';
import type { XdsMetrics } from './metrics.js';

export interface PollerOptions {
  readonly intervalMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Injected so tests can pin jitter; Math.random in production. */
  readonly random: () => number;
}

const ids = (hosts: readonly Host[] | undefined): Set<string> =>
  new Set((hosts ?? []).map((h) => `${h.id}@${h.address}:${h.port}`));

/**
 * A listing that would remove more than half of a cluster's hosts at once is held until the next
 * poll says the same thing. Returns the clusters that tripped it (empty = publish).
 */
export function guardrail(
  published: Inventory | undefined,
  next: Inventory,
  held: Inventory | undefined,
): string[] {
  if (!published) return [];
  const tripped: string[] = [];
  for (const [cluster, before] of published) {
    const had = ids(before);
    if (had.size === 0) continue;
    const now = ids(next.get(cluster));
    let removed = 0;
    for (const id of had) if (!now.has(id)) removed++;
    if (removed * 2 <= had.size) continue;
    const confirmed = held !== undefined && sameSet(ids(held.get(cluster)), now);
    if (!confirmed) tripped.push(cluster);
  }
  return tripped;
}

const sameSet = (a: Set<string>, b: Set<string>): boolean =>
  a.size === b.size && [...a].every((x) => b.has(x));

export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private running = false;
  private stopped = false;
  private published: Inventory | undefined;
  private held: Inventory | undefined;
  private again = false;
  lastError: string | undefined;
  lastSuccessAt: number | undefined;
  polls = 0;

  constructor(
    private readonly source: InventorySource,
    private readonly onInventory: (inv: Inventory) => void,
    private readonly opts: PollerOptions,
    private readonly metrics: XdsMetrics,
    private readonly log: (msg: string) => void,
  ) {}

  start(): void {
    this.source.onChange?.(() => this.pollNow());
    this.pollNow();
  }

  /** Polls at once (coalesced with a poll in flight). */
  pollNow(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    this.polls++;
    let delay: number;
    try {
      let inv: Inventory;
      let partial = false;
      try {
        inv = await this.source.poll();
      } catch (err) {
        if (!(err instanceof PartialListing)) throw err;
        inv = err.inventory;
        partial = true;
        this.lastError = err.message;
      }
      const tripped = guardrail(this.published, inv, this.held);
      if (tripped.length) {
        this.held = inv;
        this.metrics.polls.inc({ result: 'guardrail' });
        this.log(
          `guardrail: over half of ${tripped.join(', ')} would go; waiting for the next poll to agree`,
        );
        // Confirm soon rather than a whole interval later.
        delay = Math.min(this.opts.intervalMs, 2_000);
      } else {
        this.held = undefined;
        this.published = inv;
        this.onInventory(inv);
        this.metrics.polls.inc({ result: partial ? 'partial' : 'ok' });
        if (partial) delay = this.backoff();
        else {
          this.failures = 0;
          this.lastError = undefined;
          this.lastSuccessAt = Date.now();
          delay = this.opts.intervalMs * (0.9 + 0.2 * this.opts.random());
        }
      }
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      this.metrics.polls.inc({ result: 'error' });
      this.log(`inventory poll failed: ${this.lastError}`);
      delay = this.backoff();
    }
    this.running = false;
    this.metrics.pollBackoff.set(delay / 1000);
    if (this.stopped) return;
    if (this.again) {
      this.again = false;
      delay = 0;
    }
    this.timer = setTimeout(() => void this.run(), delay);
    this.timer.unref();
  }

  private backoff(): number {
    this.failures++;
    const ceiling = Math.min(
      this.opts.backoffMaxMs,
      this.opts.backoffBaseMs * 2 ** (this.failures - 1),
    );
    return ceiling * (0.5 + 0.5 * this.opts.random());
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.source.close();
  }
}
