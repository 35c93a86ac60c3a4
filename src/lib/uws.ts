import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WflgError } from './errors.js';

export type Uws = typeof import('uWebSockets.js');

let cached: Uws | undefined;

// Why identity with the binary's own module record, and not a feature probe: the package entry
// (node_modules/uWebSockets.js/src/uws.js, @trufflesuite/uws-js-unofficial 20.30.0-unofficial.0)
// returns require('../binaries/uws_<platform>_<arch>_<ABI>.node') and, if that throws or
// UWS_USE_FALLBACK is set, only console.warns and returns require('../dist/index') instead: a
// ws-based shim with the same App()/listen() surface that runs everything, only far slower.
// Observed on Node 20 (ABI 115): native exports App, SSLApp, H3App, getParts, ...; the shim exports
// App, _cfg, us_listen_socket_close, us_socket_local_port, default. A missing method is a weak
// signal a future shim could paper over; the module being exactly the .node file's exports is not.
export function loadUws(): Uws {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  const entry = require.resolve('uWebSockets.js');
  const abi = `${process.platform}_${process.arch}_${process.versions.modules}`;
  const binary = join(dirname(entry), '..', 'binaries', `uws_${abi}.node`);
  const mod = require('uWebSockets.js') as Uws;
  if (require.cache[binary]?.exports !== mod) {
    throw new WflgError(
      'WFLG_E_NATIVE_FALLBACK',
      `uWebSockets.js fell back to its JS shim (no loadable ${binary}); ` +
        'this build ships binaries for Node 16/18/20 (ABI 93/108/115) only; unset UWS_USE_FALLBACK',
      { binary, abi },
    );
  }
  cached = mod;
  return mod;
}
