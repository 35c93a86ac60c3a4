// The measuring half of the xDS push bench: the in-process raw ADS clients, and one round (an
// inventory change) timed until every raw stream and every gRPC node id holds the new EDS version.
import type { Inventory } from '../src/xds/inventory.js';
import { TYPE } from '../src/xds/proto.js';
import type { XdsService } from '../src/xds/service.js';
import { sleep, type ScriptedSource } from '../test/xds/harness.js';
import { RawAdsClient } from '../test/xds/raw-client.js';
import { grpcStreams } from './xds-grpc.js';

/**
 * How often the controller's stream table is read for gRPC ACKs while a round is open: the gRPC
 * figures have this resolution; each read costs the controller's thread (printed).
 */
const STATUS_EVERY_MS = 5;

export const edsVersionOf = (svc: XdsService): string =>
  svc.controller.snapshot()!.types.get(TYPE.endpoint)!.version;

export interface RawFleet {
  readonly clients: RawAdsClient[];
  /** Per client: the EDS version it holds and when (performance.now()) that version arrived. */
  readonly edsVersion: string[];
  readonly edsAt: number[];
  responses(): number;
}

export async function connectRaw(svc: XdsService, n: number): Promise<RawFleet> {
  const clients: RawAdsClient[] = [];
  const edsVersion: string[] = [];
  const edsAt: number[] = [];
  let responses = 0;
  for (let i = 0; i < n; i++) {
    const c = new RawAdsClient(svc.grpcPort, `bench-${i}`);
    c.record = false;
    c.onResponse = (r) => {
      responses++;
      if (r.type_url === TYPE.endpoint && r.version_info !== edsVersion[i]) {
        edsVersion[i] = r.version_info;
        edsAt[i] = r.at;
      }
      c.ack(r);
    };
    c.subscribe(TYPE.cluster);
    c.subscribe(TYPE.endpoint, ['collector_cluster', 'capture_cluster']);
    c.subscribe(TYPE.runtime, ['capture']);
    clients.push(c);
  }
  const want = edsVersionOf(svc);
  for (let t = 0; t < 600 && edsVersion.filter((v) => v === want).length < n; t++) await sleep(50);
  return { clients, edsVersion, edsAt, responses: () => responses };
}

export interface Round {
  /** Per stream, ms from the change until it held the new version (Infinity: not in 10 s). */
  readonly raw: number[];
  readonly grpc: number[];
  readonly all: number;
  /** Time spent reading the stream table for gRPC ACKs (it runs on the controller's thread). */
  readonly statusMs: number;
  readonly statusReads: number;
}

/**
 * Applies a round and times its delivery to every raw stream (arrival stamped by the client) and
 * every gRPC node id (its ACK, sampled from the stream table every few ms). The wait sleeps
 * rather than spins, so the gRPC children get the CPU a spinning loop would take from them.
 */
export async function round(
  svc: XdsService,
  src: ScriptedSource,
  next: Inventory,
  raw: RawFleet,
  grpcIds: ReadonlySet<string>,
): Promise<Round> {
  const n = raw.clients.length;
  const old = edsVersionOf(svc);
  src.inventory = next;
  const t0 = performance.now();
  const grpcDone = new Map<string, number>();
  let statusMs = 0;
  let statusReads = 0;
  let lastRead = -Infinity;
  svc.poller.pollNow();
  while (performance.now() - t0 < 10_000) {
    const want = edsVersionOf(svc);
    if (want !== old) {
      const count = raw.edsVersion.filter((v) => v === want).length;
      const now = performance.now();
      if (grpcDone.size < grpcIds.size && now - lastRead >= STATUS_EVERY_MS) {
        lastRead = now;
        for (const [id, v] of grpcStreams(svc, grpcIds).acked)
          if (v === want && !grpcDone.has(id)) grpcDone.set(id, now - t0);
        statusMs += performance.now() - now;
        statusReads++;
      }
      if (count === n && grpcDone.size === grpcIds.size) break;
    }
    await sleep(1);
  }
  const want = edsVersionOf(svc);
  const rawMs = Array.from({ length: n }, (_, i) =>
    raw.edsVersion[i] === want ? raw.edsAt[i]! - t0 : Infinity,
  );
  const grpc = [...grpcIds].map((id) => grpcDone.get(id) ?? Infinity);
  return { raw: rawMs, grpc, all: Math.max(...rawMs, ...grpc), statusMs, statusReads };
}
