// Child process for the end-to-end tests: a real @grpc/grpc-js-xds client (its bootstrap is
// per process, from GRPC_XDS_BOOTSTRAP_CONFIG) calling `xds:///<argv[2]>` back to back, one JSON
// line per call on stdout: {"t": ms, "ok": bool, "b": backend name, "e": error}. With argv[4] =
// "admin" it also serves gRPC's admin services (CSDS among them, registered by grpc-js-xds) on an
// ephemeral loopback port, announced first as {"admin": port}. Exits when stdin closes.
import * as xds from '@grpc/grpc-js-xds';
import { echoClient, serveAdmin } from './echo.js';

xds.register();
if (process.argv[4] === 'admin')
  process.stdout.write(JSON.stringify({ admin: await serveAdmin() }) + '\n');
const client = echoClient(`xds:///${process.argv[2] ?? 'collector'}`);
let stop = false;
process.stdin.on('close', () => (stop = true));
process.stdin.resume();
const gapMs = Number(process.argv[3] ?? 5);
const loop = (): void => {
  if (stop) {
    process.exit(0);
  }
  client.Call(Buffer.from('x'), { deadline: Date.now() + 2000 }, (err, res) => {
    const line = err
      ? { t: Date.now(), ok: false, e: `${err.code} ${err.details}` }
      : { t: Date.now(), ok: true, b: res!.toString() };
    process.stdout.write(JSON.stringify(line) + '\n');
    setTimeout(loop, gapMs);
  });
};
loop();
