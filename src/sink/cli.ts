// `wflg sink`: runs the counting collector until SIGINT/SIGTERM.
import { loadConfig, optionsHelp, type Spec, type Env } from '../lib/config.js';
import { stopSignal, type Io } from '../cli/io.js';
import { DEFAULT_MAX_FAMILIES } from './counter.js';
import { Sink } from './sink.js';

export const SINK_SPEC = {
  listen: {
    type: 'hostport',
    default: { host: '127.0.0.1', port: 2878 },
    help: 'HTTP: /report (any path, f=wavefront|histogram|trace|spanLogs), /v1/stats, /metrics, /health',
  },
  tcp: {
    type: 'hostport',
    default: { host: '127.0.0.1', port: 0 },
    help: 'plaintext TCP port, framed like the proxy port 2878',
  },
  token: {
    type: 'string',
    env: 'WFLG_SINK_TOKEN',
    help: 'require Authorization: Bearer TOKEN on /report',
  },
  tee: { type: 'string', help: 'write everything received to this capture-part file (.wf.zst)' },
  maxFamilies: {
    type: 'int',
    min: 1,
    max: 10_000_000,
    default: DEFAULT_MAX_FAMILIES,
    help: 'families counted one by one',
  },
  responseDelayMs: {
    type: 'int',
    min: 0,
    max: 600000,
    default: 0,
    help: 'fault: delay each /report answer',
  },
  failStatus: {
    type: 'int',
    min: 0,
    max: 599,
    default: 0,
    help: 'fault: answer /report with this status',
  },
  readBytesPerSecond: {
    type: 'bytes',
    min: 0,
    default: 0,
    help: 'fault: limit plaintext reads (0 = no limit)',
  },
} as const satisfies Spec;

export const SINK_HELP = `Usage: wflg sink [options]

A counting collector for tests, benchmarks and dry runs: counts lines, bytes and rejects per kind,
WF code and family with the native parser. Prints one JSON line with the bound ports on start.

Options:
${optionsHelp(SINK_SPEC)}`;

export async function sink(
  argv: string[],
  io: Io,
  env: Env = {},
  stop: Promise<unknown> = stopSignal(),
): Promise<number> {
  const { config, help } = loadConfig(SINK_SPEC, argv, env);
  if (help) {
    io.out(SINK_HELP + '\n');
    return 0;
  }
  const s = new Sink({
    listen: config.listen,
    tcp: config.tcp,
    token: config.token,
    tee: config.tee,
    maxFamilies: config.maxFamilies,
    responseDelayMs: config.responseDelayMs,
    failStatus: config.failStatus,
    readBytesPerSecond: config.readBytesPerSecond,
  });
  await s.start();
  io.out(
    JSON.stringify({
      role: 'sink',
      listen: `${config.listen.host}:${s.httpPort}`,
      port: s.httpPort,
      tcp: `${config.tcp.host}:${s.tcpPort}`,
      tcpPort: s.tcpPort,
    }) + '\n',
  );
  await stop;
  await s.close();
  const st = s.stats(0);
  io.err(`sink: ${st.lines} lines, ${st.bytes} bytes, ${st.rejected} rejected\n`);
  return 0;
}
