// Child process of the xDS push bench: the echo backends its gRPC clients call, one grpc-js server
// per loopback address (argv), all on one port as the VMs of a MIG are. Kept out of the
// controller's process so its connections and calls do not count in the controller's RSS.
// Announces {"port": n} once every address is bound; exits when stdin closes.
import { serveEcho } from '../test/xds/echo.js';

const [first, ...rest] = process.argv.slice(2);
const { port } = await serveEcho(first!, 0, first!);
for (const a of rest) await serveEcho(a, port, a);
process.stdout.write(JSON.stringify({ port }) + '\n');
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
