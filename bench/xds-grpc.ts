// The grpc-js-xds side of the xDS push bench: echo backends and a fleet of real gRPC xDS clients,
// each in child processes (bootstrap and `register()` are per process), plus what the controller
// knows of them. Several channels share a process but not an XdsClient, so every channel is its
// own ADS stream with its own node id, as a fleet of single-channel processes would be, without
// paying a Node process (≈ 50 MB, a second of proto loading) per channel on a 2-core machine.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SHORT, TYPE } from '../src/xds/proto.js';
import type { XdsService } from '../src/xds/service.js';
import { xdsBootstrap } from '../test/xds/echo.js';
import { until } from '../test/xds/harness.js';

const child = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** Hands each JSON line of a child's stdout to `onLine`. */
function lines(proc: ChildProcess, onLine: (j: Record<string, unknown>) => void): void {
  createInterface({ input: proc.stdout! }).on('line', (l) =>
    onLine(JSON.parse(l) as Record<string, unknown>),
  );
}

/** The echo backends, one per address, sharing one port; returns that port. */
export async function startEchoBackends(
  addresses: readonly string[],
): Promise<{ port: number; close(): void }> {
  const proc = spawn(process.execPath, [child('xds-echo-child.js'), ...addresses], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let port = 0;
  lines(proc, (j) => (port = Number(j.port)));
  await until(() => port > 0 || proc.exitCode !== null, 15_000, 'the echo backends');
  if (!port) throw new Error(`echo backends exited with ${proc.exitCode}`);
  return { port, close: () => void proc.stdin.end() };
}

export interface RpcCounts {
  readonly ok: number;
  readonly failed: number;
  /** Channels that completed at least one RPC. */
  readonly serving: number;
}

interface Member {
  readonly proc: ChildProcess;
  counts: [number, number][];
  backends: number;
  csds: { node: string; status?: string; version?: string }[] | undefined;
}

export class GrpcFleet {
  readonly nodeIds: string[] = [];
  /** Failed RPCs' messages as the children report them (bounded per report). */
  readonly errors: string[] = [];
  private readonly members: Member[] = [];

  /** `channels` clients of `xds:///collector` over `procs` processes, calling every `gapMs`. */
  constructor(xdsPort: number, channels: number, procs: number, gapMs: number) {
    for (let p = 0; p < procs && p * Math.ceil(channels / procs) < channels; p++) {
      const per = Math.min(Math.ceil(channels / procs), channels - p * Math.ceil(channels / procs));
      const bootstrap = xdsBootstrap(xdsPort, `bench-grpc-${p}`);
      const json = JSON.stringify(bootstrap);
      // The process-wide client serves channel 0, so it carries channel 0's node id.
      const first = { ...bootstrap, node: { ...bootstrap.node, id: `${bootstrap.node.id}-0` } };
      const proc = spawn(
        process.execPath,
        [child('xds-grpc-child.js'), 'collector', String(per), String(gapMs), json],
        {
          env: { ...process.env, GRPC_XDS_BOOTSTRAP_CONFIG: JSON.stringify(first) },
          stdio: ['pipe', 'pipe', 'inherit'],
        },
      );
      const m: Member = { proc, counts: [], backends: 0, csds: undefined };
      lines(proc, (j) => {
        if (Array.isArray(j.n)) {
          m.counts = j.n as [number, number][];
          m.backends = Number(j.b);
          this.errors.push(...(j.e as string[]));
        } else if (Array.isArray(j.csds)) m.csds = j.csds as Member['csds'];
      });
      this.members.push(m);
      for (let c = 0; c < per; c++) this.nodeIds.push(`${bootstrap.node.id}-${c}`);
    }
  }

  get processes(): number {
    return this.members.length;
  }

  rpcs(): RpcCounts {
    let ok = 0;
    let failed = 0;
    let serving = 0;
    for (const m of this.members)
      for (const [o, f] of m.counts) {
        ok += o;
        failed += f;
        if (o > 0) serving++;
      }
    return { ok, failed, serving };
  }

  /** Fewest distinct backends any process has reached. */
  backendsReached(): number {
    return Math.min(...this.members.map((m) => m.backends));
  }

  /** Every channel's own view (CSDS) of the EDS resource, fetched from each process. */
  async csds(): Promise<{ node: string; status?: string; version?: string }[]> {
    for (const m of this.members) {
      m.csds = undefined;
      m.proc.stdin!.write('csds\n');
    }
    await until(() => this.members.every((m) => m.csds), 10_000, 'CSDS from every client');
    return this.members.flatMap((m) => m.csds!);
  }

  close(): void {
    for (const m of this.members) m.proc.stdin!.end();
  }

  /** Waits until every process has exited (they exit when stdin closes). */
  async closed(): Promise<void> {
    await until(() => this.members.every((m) => m.proc.exitCode !== null), 10_000, 'children');
  }
}

/**
 * What the controller holds for the fleet's streams: per node id the EDS version it last ACKed,
 * and the responses written to them (the data `/v1/streams` serves, read in process).
 */
export function grpcStreams(
  svc: XdsService,
  ids: ReadonlySet<string>,
): { acked: Map<string, string>; responses: number } {
  const acked = new Map<string, string>();
  let responses = 0;
  for (const s of svc.server.streamStatus()) {
    if (!s.node || !ids.has(s.node.id)) continue;
    const types = s.types as Record<string, { ackedVersion: string; responses: number }>;
    acked.set(s.node.id, types[SHORT[TYPE.endpoint]]?.ackedVersion ?? '');
    for (const t of Object.values(types)) responses += t.responses;
  }
  return { acked, responses };
}
