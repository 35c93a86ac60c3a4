#!/usr/bin/env node
// The `wflg` executable: kept apart from main.ts so importing main (tests) never runs it.
import { main } from './main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`wflg: WFLG_E_INTERNAL: ${String(err)}\n`);
    process.exitCode = 70;
  },
);
