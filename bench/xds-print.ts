// The xDS push bench's printed report: every figure next to the same-run one-stream baseline and
// the §11 test 21 acceptance (p99 < 1 s, RSS growth < 100 MB, state released on close).
import type { XdsPushResult } from './xds-push.bench.js';

const ms = (n: number): string => `${n.toFixed(1)} ms`;
const verdict = (ok: boolean): string => (ok ? 'MET' : 'MISS');

export function printXdsPush(r: XdsPushResult): void {
  const total = r.streams + r.grpcChannels;
  console.log(
    `xDS push: one inventory change to ${r.streams} raw ADS streams + ${r.grpcChannels} grpc-js-xds channels (${r.grpcProcesses} processes), ${r.rounds} rounds`,
  );
  console.log(`  baseline (1 stream) p50 ${ms(r.baselineOneStreamP50Ms)}`);
  console.log(
    `  raw ADS per stream p50 ${ms(r.streamP50Ms)}, p99 ${ms(r.streamP99Ms)} (${r.ratioP99ToBaseline.toFixed(1)}x baseline)`,
  );
  console.log(
    `  grpc-js-xds per channel (ACK at the controller) p50 ${ms(r.grpcP50Ms)}, p99 ${ms(r.grpcP99Ms)} (${r.grpcRatioP99ToBaseline.toFixed(1)}x baseline)`,
  );
  console.log(
    `  all ${total} streams p50 ${ms(r.allP50Ms)}, p99 ${ms(r.allP99Ms)}; not updated within 10 s: ${r.missed}`,
  );
  console.log(
    `  every stream updated: p50 ${ms(r.allStreamsP50Ms)}, max ${ms(r.allStreamsMaxMs)} (controller time spent reading gRPC ACKs: ${ms(r.statusReadMs)}, ${ms(r.statusReadAvgMs)} a read)`,
  );
  console.log(
    `  grpc-js-xds RPCs from the first change to the end of the no-op polls: ${r.rpcOk} ok, ${r.rpcFailed} failed (${r.rpcFailedTotal} failed since start); fewest backends reached by a process ${r.backendsReached} of ${r.backends}`,
  );
  for (const e of r.rpcErrors) console.log(`    failed: ${e}`);
  console.log(
    `  CSDS: ${r.csdsAcked} of ${r.grpcChannels} channels report EDS ACKED at the controller's version`,
  );
  console.log(
    `  unchanged polls x20 -> ${r.noopResponses} responses (raw), ${r.noopGrpcResponses} (grpc-js-xds); streams held after clients closed: ${r.streamsAfterClose}`,
  );
  console.log(
    `  RSS MiB: before ${r.rssBeforeMiB}, ${total} streams ${r.rssConnectedMiB}, after pushes ${r.rssAfterPushesMiB}, after close ${r.rssAfterCloseMiB}`,
  );
  console.log(
    `  heap MiB: before ${r.heapBeforeMiB}, connected ${r.heapConnectedMiB}, after close ${r.heapAfterCloseMiB} (connected: includes the in-process raw clients)`,
  );
  console.log(
    `  target p99 < 1000 ms (all streams): ${verdict(r.allP99Ms < 1000)}; RSS growth ${r.rssGrowthMiB} MiB < 100: ${verdict(r.rssGrowthMiB < 100)}; no-op pushes 0: ${verdict(r.noopResponses + r.noopGrpcResponses === 0)}; RPC failures 0: ${verdict(r.rpcFailed === 0)}; streams released: ${verdict(r.streamsAfterClose === 0)}`,
  );
}
