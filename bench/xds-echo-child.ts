// Child process of the xDS push bench: the echo backends its gRPC clients call, one grpc-js server
// per loopback address (argv), all on one port as the VMs of a MIG are. Kept out of the
// controller's process so its connections and calls do not count in the controller's RSS.
// Announces {"port": n} once every address is bound; exits when stdin closes.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { ECHO } from '../test/xds/echo.js';

async function serve(address: string, port: number): Promise<number> {
  const server = new Server();
  const name = Buffer.from(address);
  server.addService(ECHO, {
    Call: (_call: unknown, cb: (e: null, r: Buffer) => void) => cb(null, name),
  });
  return new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address}:${port}`, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
}

const [first, ...rest] = process.argv.slice(2);
const port = await serve(first!, 0);
for (const a of rest) await serve(a, port);
process.stdout.write(JSON.stringify({ port }) + '\n');
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
