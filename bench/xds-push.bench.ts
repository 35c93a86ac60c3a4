// `node --expose-gc dist/bench/xds-push.bench.js [streams] [rounds] [grpc channels]` (500 10 20):
// one inventory change fanned out to N raw ADS streams (Envoy-like clients that ACK every
// response, in this process) and to real @grpc/grpc-js-xds channels (child processes, each
// channel its own XdsClient, ADS stream and node id, calling echo backends on 127.0.x.y
// throughout). Per stream: time until it holds the new EDS version (raw: the response arrived;
// gRPC: the controller has its ACK). Same-run baseline: the same change to a single raw stream.
// Also controller RSS before/after/after close, the pushes caused by unchanged polls (must be 0),
// the RPCs that failed through the changes, and CSDS from every gRPC client. The raw clients
// share the process (and the 2 cores) with the controller, so the figures are pessimistic.
import type { Inventory } from '../src/xds/inventory.js';
import { host, inv, ScriptedSource, sleep, startTestXds, until } from '../test/xds/harness.js';
import { fullGc } from './gc.js';
import { GrpcFleet, grpcStreams, startEchoBackends } from './xds-grpc.js';
import { printXdsPush } from './xds-print.js';
import { connectRaw, edsVersionOf, round } from './xds-rounds.js';

const GRPC_PROCESSES = 4;
/** Per channel: one RPC, then this pause (≈ 20 RPC/s per channel, 400/s for 20). */
const RPC_GAP_MS = 50;

/** Collector 0 is the one each round replaces; its address alternates, so every change moves it. */
const collectorAddress = (i: number, k: number): string =>
  i === 0 ? `127.0.2.${(k % 2) + 1}` : `127.0.1.${i}`;
const ECHO_ADDRESSES = ['127.0.2.1', '127.0.2.2'].concat(
  Array.from({ length: 59 }, (_, i) => collectorAddress(i + 1, 0)),
);

/** 60 collectors (echo backends) over 3 zones and 20 capture agents; round k replaces one. */
const inventory = (k: number, port: number): Inventory =>
  inv(
    Array.from({ length: 60 }, (_, i) =>
      host(
        i === 0 ? 10_000 + k : i,
        `us-central1-${'abc'[i % 3]}`,
        'HEALTHY',
        port,
        collectorAddress(i, k),
      ),
    ),
    Array.from({ length: 20 }, (_, i) => host(500 + i, `us-central1-${'abc'[i % 3]}`)),
  );

const mib = (n: number): number => Number((n / 2 ** 20).toFixed(1));
const pct = (xs: number[], p: number): number =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

export async function xdsPushBench(streams = 500, rounds = 10, grpcChannels = 20) {
  const echo = await startEchoBackends(ECHO_ADDRESSES);
  const src = new ScriptedSource(inventory(0, echo.port));
  const svc = await startTestXds(src, ['--grpc-listeners', 'collector=collector_cluster']);
  let fleet: GrpcFleet | undefined;
  try {
    while (!svc.controller.ready) await sleep(10);
    fullGc();
    const mem0 = process.memoryUsage();

    // Baseline in the same run: one stream.
    const one = await connectRaw(svc, 1);
    const base: number[] = [];
    for (let k = 1; k <= rounds; k++)
      base.push((await round(svc, src, inventory(k, echo.port), one, new Set())).all);
    for (const c of one.clients) c.close();
    one.clients.splice(0);

    const many = await connectRaw(svc, streams);
    fleet = new GrpcFleet(svc.grpcPort, grpcChannels, GRPC_PROCESSES, RPC_GAP_MS);
    const f = fleet;
    const ids = new Set(f.nodeIds);
    let acked = new Map<string, string>();
    await until(
      () =>
        f.rpcs().serving === ids.size &&
        [...ids].every((id) => acked.get(id) === edsVersionOf(svc)),
      60_000,
      'every gRPC channel serving at the current EDS version',
      () => Promise.resolve(void (acked = grpcStreams(svc, ids).acked)),
    );
    fullGc();
    const mem1 = process.memoryUsage();
    const rpc0 = f.rpcs();
    const errors0 = f.errors.length;

    const raw: number[] = [];
    const grpc: number[] = [];
    const all: number[] = [];
    let statusMs = 0;
    let statusReads = 0;
    for (let k = rounds + 1; k <= 2 * rounds; k++) {
      const r = await round(svc, src, inventory(k, echo.port), many, ids);
      raw.push(...r.raw);
      grpc.push(...r.grpc);
      all.push(r.all);
      statusMs += r.statusMs;
      statusReads += r.statusReads;
      await sleep(100);
    }
    fullGc();
    const mem2 = process.memoryUsage();
    // No-op polls: the inventory object is unchanged, so nothing may be written.
    await sleep(300);
    const before = many.responses();
    const grpcBefore = grpcStreams(svc, ids).responses;
    const pollsBefore = src.polls;
    for (let i = 0; i < 20; i++) {
      svc.poller.pollNow();
      while (src.polls <= pollsBefore + i) await sleep(1);
    }
    await sleep(300);
    const noopResponses = many.responses() - before;
    const noopGrpcResponses = grpcStreams(svc, ids).responses - grpcBefore;
    // The children report every 200 ms: by now the last change is well inside a report.
    const rpc1 = f.rpcs();
    const csds = await f.csds();
    const finalVersion = edsVersionOf(svc);
    const csdsAcked = csds.filter(
      (c) => ids.has(c.node) && c.status === 'ACKED' && c.version === finalVersion,
    ).length;

    for (const c of many.clients) c.close();
    // Dropped, so the heap after close holds what the controller (and grpc-js) kept, not them.
    many.clients.splice(0);
    f.close();
    await f.closed();
    await sleep(500);
    fullGc();
    const mem3 = process.memoryUsage();
    const everything = raw.concat(grpc);
    return {
      streams,
      rounds,
      grpcChannels,
      grpcProcesses: f.processes,
      baselineOneStreamP50Ms: pct(base, 0.5),
      streamP50Ms: pct(raw, 0.5),
      streamP99Ms: pct(raw, 0.99),
      ratioP99ToBaseline: pct(raw, 0.99) / pct(base, 0.5),
      grpcP50Ms: pct(grpc, 0.5),
      grpcP99Ms: pct(grpc, 0.99),
      grpcRatioP99ToBaseline: pct(grpc, 0.99) / pct(base, 0.5),
      allP50Ms: pct(everything, 0.5),
      allP99Ms: pct(everything, 0.99),
      missed: everything.filter((t) => t === Infinity).length,
      allStreamsP50Ms: pct(all, 0.5),
      allStreamsMaxMs: Math.max(...all),
      statusReadMs: statusMs,
      statusReadAvgMs: statusMs / Math.max(1, statusReads),
      rpcOk: rpc1.ok - rpc0.ok,
      rpcFailed: rpc1.failed - rpc0.failed,
      rpcFailedTotal: rpc1.failed,
      rpcErrors: f.errors.slice(errors0, errors0 + 5),
      backendsReached: f.backendsReached(),
      backends: ECHO_ADDRESSES.length,
      csdsAcked,
      noopResponses,
      noopGrpcResponses,
      streamsAfterClose: svc.server.streamCount,
      rssBeforeMiB: mib(mem0.rss),
      rssConnectedMiB: mib(mem1.rss),
      rssAfterPushesMiB: mib(mem2.rss),
      rssAfterCloseMiB: mib(mem3.rss),
      rssGrowthMiB: mib(mem2.rss - mem0.rss),
      heapBeforeMiB: mib(mem0.heapUsed),
      heapConnectedMiB: mib(mem1.heapUsed),
      heapAfterCloseMiB: mib(mem3.heapUsed),
    };
  } finally {
    fleet?.close();
    echo.close();
    await svc.close();
  }
}

export type XdsPushResult = Awaited<ReturnType<typeof xdsPushBench>>;

if (import.meta.url === `file://${process.argv[1]}`) {
  const [streams = 500, rounds = 10, channels = 20] = process.argv.slice(2).map(Number);
  printXdsPush(await xdsPushBench(streams, rounds, channels));
  process.exit(0);
}
