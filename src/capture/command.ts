// `wflg capture`: the data plane behind Envoy's request mirror.
import { stopSignal, type Io } from '../cli/io.js';
import { WflgError } from '../lib/errors.js';
import { loadConfig, optionsHelp, type Env } from '../lib/config.js';
import { Agent } from './agent.js';
import { CAPTURE_SPEC } from './config.js';

export const CAPTURE_HELP = `Usage: wflg capture --data-dir DIR --store URL --mig NAME --instance NAME [options]

Receives mirrored Wavefront requests (any POST path), writes them to checksummed zstd parts on
local disk (a 2xx only once the request is fsync'd), and uploads sealed parts exactly once to the
object store with a manifest line each. Serves /health, /ready and /metrics on the same port.
SIGTERM drains: stop being ready, finish requests, seal and upload within --drain-timeout.

Options:
${optionsHelp(CAPTURE_SPEC)}

Exit status: 0 drained cleanly, 1 parts left un-uploaded at the drain deadline, 2 usage/config
error, 70 write-ahead I/O failure or internal error (restart: recovery keeps every acked request).`;

export async function capture(argv: string[], io: Io, env: Env): Promise<number> {
  const { config, help } = loadConfig(CAPTURE_SPEC, argv, env);
  if (help) {
    io.out(CAPTURE_HELP + '\n');
    return 0;
  }
  const log = (e: Record<string, unknown>): void =>
    io.err(JSON.stringify({ time: new Date().toISOString(), service: 'capture', ...e }) + '\n');
  const agent = await Agent.start(config, {
    log,
    fatal: (err) => {
      // Never answer after a failed fsync (fsyncgate): stop now; recovery decides what survived.
      log({ event: 'fatal', error: String(err), code: (err as WflgError).code });
      process.exit(70);
    },
  });
  io.out(
    JSON.stringify({
      event: 'listening',
      service: 'capture',
      host: config.listen.host,
      port: agent.port,
    }) + '\n',
  );
  const stop = stopSignal();
  await Promise.race([agent.recovered.then(() => log({ event: 'ready', port: agent.port })), stop]);
  const signal = await stop;
  log({ event: 'draining', signal });
  const left = await agent.drain(Date.now() + config.drainTimeout * 1000);
  await agent.close();
  // Idle keep-alive connections keep uWS's loop alive after the listen socket is closed, and uWS
  // offers no way to close them: once everything is durable and uploaded, leave anyway.
  setTimeout(() => process.exit(left > 0 ? 1 : 0), 100).unref();
  if (left > 0) {
    log({
      event: 'drain_incomplete',
      code: 'WFLG_E_CAPTURE_DRAIN',
      partsLeft: left,
      detail: 'parts stay on disk and upload on the next start',
    });
    return 1;
  }
  log({ event: 'drained' });
  return 0;
}
