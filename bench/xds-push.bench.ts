// `node dist/bench/xds-push.bench.js [streams] [rounds]`: one inventory change fanned out to N
// ADS streams (Envoy-like raw clients that ACK every response), time until every stream holds the
// new EDS version; same-run baseline: the same change to a single stream. Also controller memory
// before/after and the pushes caused by unchanged polls (must be 0). Clients share the process
// (and the 2 cores) with the controller, so the figures are pessimistic.
import type { Inventory } from '../src/xds/inventory.js';
import { TYPE } from '../src/xds/proto.js';
import type { XdsService } from '../src/xds/service.js';
import { host, inv, ScriptedSource, sleep, startTestXds } from '../test/xds/harness.js';
import { RawAdsClient } from '../test/xds/raw-client.js';

/** 60 collectors over 3 zones and 20 capture agents; round k replaces one collector. */
const inventory = (k: number): Inventory =>
  inv(
    Array.from({ length: 60 }, (_, i) =>
      host(i === 0 ? 10_000 + k : i, `us-central1-${'abc'[i % 3]}`),
    ),
    Array.from({ length: 20 }, (_, i) => host(500 + i, `us-central1-${'abc'[i % 3]}`)),
  );

const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function connect(
  svc: XdsService,
  n: number,
): Promise<{ clients: RawAdsClient[]; edsVersion: string[]; responses: () => number }> {
  const clients: RawAdsClient[] = [];
  const edsVersion: string[] = [];
  let responses = 0;
  for (let i = 0; i < n; i++) {
    const c = new RawAdsClient(svc.grpcPort, `bench-${i}`);
    c.record = false;
    c.onResponse = (r) => {
      responses++;
      if (r.type_url === TYPE.endpoint) edsVersion[i] = r.version_info;
      c.ack(r);
    };
    c.subscribe(TYPE.cluster);
    c.subscribe(TYPE.endpoint, ['collector_cluster', 'capture_cluster']);
    c.subscribe(TYPE.runtime, ['capture']);
    clients.push(c);
  }
  const want = svc.controller.snapshot()!.types.get(TYPE.endpoint)!.version;
  for (let t = 0; t < 600 && edsVersion.filter((v) => v === want).length < n; t++) await sleep(50);
  return { clients, edsVersion, responses: () => responses };
}

/** Applies round k and returns per-stream delivery times (ms) and the time until all had it. */
async function round(
  svc: XdsService,
  src: ScriptedSource,
  edsVersion: string[],
  n: number,
  k: number,
): Promise<{ each: number[]; all: number }> {
  const old = svc.controller.snapshot()!.types.get(TYPE.endpoint)!.version;
  src.inventory = inventory(k);
  const t0 = performance.now();
  const done = new Array<number>(n).fill(0);
  svc.poller.pollNow();
  let want = '';
  while (performance.now() - t0 < 10_000) {
    const v = svc.controller.snapshot()!.types.get(TYPE.endpoint)!.version;
    if (v === old) {
      await new Promise((r) => setImmediate(r));
      continue;
    }
    want = v;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (done[i] === 0 && edsVersion[i] === want) done[i] = performance.now() - t0;
      if (done[i]! > 0) count++;
    }
    if (count === n) break;
    await new Promise((r) => setImmediate(r));
  }
  return { each: done, all: Math.max(...done) };
}

export async function xdsPushBench(streams = 500, rounds = 10) {
  const src = new ScriptedSource(inventory(0));
  const svc = await startTestXds(src);
  while (!svc.controller.ready) await sleep(10);
  global.gc?.();
  const mem0 = process.memoryUsage();

  // Baseline in the same run: one stream.
  const one = await connect(svc, 1);
  const base: number[] = [];
  for (let k = 1; k <= rounds; k++) base.push((await round(svc, src, one.edsVersion, 1, k)).all);
  for (const c of one.clients) c.close();

  const many = await connect(svc, streams);
  global.gc?.();
  const mem1 = process.memoryUsage();
  const each: number[] = [];
  const all: number[] = [];
  for (let k = rounds + 1; k <= 2 * rounds; k++) {
    const r = await round(svc, src, many.edsVersion, streams, k);
    each.push(...r.each);
    all.push(r.all);
    await sleep(100);
  }
  global.gc?.();
  const mem2 = process.memoryUsage();
  // No-op polls: the inventory object is unchanged, so nothing may be written.
  await sleep(300);
  const before = many.responses();
  const pollsBefore = src.polls;
  for (let i = 0; i < 20; i++) {
    svc.poller.pollNow();
    while (src.polls <= pollsBefore + i) await sleep(1);
  }
  await sleep(300);
  const noopResponses = many.responses() - before;
  for (const c of many.clients) c.close();
  await sleep(500);
  global.gc?.();
  const mem3 = process.memoryUsage();
  const streamsAfterClose = svc.server.streamCount;
  await svc.close();

  const r = {
    streams,
    rounds,
    baselineOneStreamP50Ms: pct(base, 0.5),
    streamP50Ms: pct(each, 0.5),
    streamP99Ms: pct(each, 0.99),
    allStreamsP50Ms: pct(all, 0.5),
    allStreamsMaxMs: Math.max(...all),
    ratioP99ToBaseline: pct(each, 0.99) / pct(base, 0.5),
    noopResponses,
    streamsAfterClose,
    rssBeforeMiB: Number(mib(mem0.rss)),
    rssConnectedMiB: Number(mib(mem1.rss)),
    rssAfterPushesMiB: Number(mib(mem2.rss)),
    rssAfterCloseMiB: Number(mib(mem3.rss)),
    heapBeforeMiB: Number(mib(mem0.heapUsed)),
    heapConnectedMiB: Number(mib(mem1.heapUsed)),
    heapAfterCloseMiB: Number(mib(mem3.heapUsed)),
  };
  return r;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await xdsPushBench(Number(process.argv[2] ?? 500), Number(process.argv[3] ?? 10));
  console.log(`xDS push: one inventory change to ${r.streams} ADS streams, ${r.rounds} rounds`);
  console.log(`  baseline (1 stream) p50 ${r.baselineOneStreamP50Ms.toFixed(1)} ms`);
  console.log(
    `  per stream p50 ${r.streamP50Ms.toFixed(1)} ms, p99 ${r.streamP99Ms.toFixed(1)} ms (${r.ratioP99ToBaseline.toFixed(1)}x baseline)`,
  );
  console.log(
    `  every stream updated: p50 ${r.allStreamsP50Ms.toFixed(1)} ms, max ${r.allStreamsMaxMs.toFixed(1)} ms`,
  );
  console.log(
    `  unchanged polls x20 -> ${r.noopResponses} responses; streams held after clients closed: ${r.streamsAfterClose}`,
  );
  console.log(
    `  RSS MiB: before ${r.rssBeforeMiB}, ${r.streams} streams ${r.rssConnectedMiB}, after pushes ${r.rssAfterPushesMiB}, after close ${r.rssAfterCloseMiB}`,
  );
  console.log(
    `  heap MiB: before ${r.heapBeforeMiB}, connected ${r.heapConnectedMiB}, after close ${r.heapAfterCloseMiB} (includes the in-process clients)`,
  );
  console.log(
    `  target p99 < 1000 ms: ${r.streamP99Ms < 1000 ? 'MET' : 'MISS'}; no-op pushes 0: ${r.noopResponses === 0 ? 'MET' : 'MISS'}`,
  );
  process.exit(0);
}
