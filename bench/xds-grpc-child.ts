// Child process of the xDS push bench: N real @grpc/grpc-js-xds channels calling `xds:///<target>`
// back to back, each with its own XdsClient and so its own ADS stream and node id. Channel 0 uses
// the process-wide client (bootstrap from GRPC_XDS_BOOTSTRAP_CONFIG, as in production); the others
// pass their bootstrap as a channel option, which grpc-js-xds answers with a private XdsClient.
// `node xds-grpc-child.js <target> <channels> <gapMs> <bootstrap JSON>`; node ids are the
// bootstrap's id suffixed -0 … -(N-1). stdout, one JSON line each: {"admin": port} first (CSDS),
// then every 200 ms {"n": [[ok, failed] per channel], "b": backends reached, "e": new errors}.
// stdin: "csds" → {"csds": [{node, status, version}]} for the EDS resource; close → exit.
import { createInterface } from 'node:readline';
import * as xds from '@grpc/grpc-js-xds';
import { csdsClient, fetchClientStatus } from '../test/xds/csds.js';
import { echoClient, serveAdmin, type XdsBootstrap } from '../test/xds/echo.js';

// grpc-js-xds's own name for a per-channel bootstrap (resolver-xds.ts), used by its interop tests.
const BOOTSTRAP_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';
const EDS = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

const [target = 'collector', n = '1', gap = '50', bootstrapJson = '{}'] = process.argv.slice(2);
const channels = Number(n);
const gapMs = Number(gap);
const bootstrap = JSON.parse(bootstrapJson) as XdsBootstrap;

xds.register();
const adminPort = await serveAdmin();
process.stdout.write(JSON.stringify({ admin: adminPort }) + '\n');

const counts = Array.from({ length: channels }, () => [0, 0] as [number, number]);
const backends = new Set<string>();
let errors: string[] = [];
let stop = false;

for (let c = 0; c < channels; c++) {
  const own = { ...bootstrap, node: { ...bootstrap.node, id: `${bootstrap.node.id}-${c}` } };
  const options = c === 0 ? {} : { [BOOTSTRAP_OPTION]: JSON.stringify(own) };
  const client = echoClient(`xds:///${target}`, options);
  const loop = (): void => {
    if (stop) return;
    client.Call(Buffer.from('x'), { deadline: Date.now() + 2000 }, (err, res) => {
      if (err) {
        counts[c]![1]++;
        // Bounded: a burst of failures keeps the first few messages of each report.
        if (errors.length < 5) errors.push(`${c}: ${err.code} ${err.details}`);
      } else {
        counts[c]![0]++;
        backends.add(res!.toString());
      }
      setTimeout(loop, gapMs);
    });
  };
  loop();
}

const report = setInterval(() => {
  process.stdout.write(JSON.stringify({ n: counts, b: backends.size, e: errors }) + '\n');
  errors = [];
}, 200);

const csds = csdsClient(adminPort);
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() !== 'csds') return;
    fetchClientStatus(csds).then(
      (configs) => {
        const view = configs.map((cfg) => {
          const eds = cfg.generic_xds_configs?.find((r) => r.type_url === EDS);
          return {
            node: cfg.node?.id ?? '',
            status: eds?.client_status,
            version: eds?.version_info,
          };
        });
        process.stdout.write(JSON.stringify({ csds: view }) + '\n');
      },
      (err: Error) => process.stdout.write(JSON.stringify({ csds: [], error: err.message }) + '\n'),
    );
  })
  .on('close', () => {
    stop = true;
    clearInterval(report);
    process.exit(0);
  });
