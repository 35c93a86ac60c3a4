// A full garbage collection before a memory reading, also when Node was started without
// --expose-gc (bench/run.ts and perf-ci start it plainly): memory deltas then hold what is live,
// not whatever the collector had or had not freed yet.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

export function fullGc(): void {
  if (!collect) {
    if (!global.gc) setFlagsFromString('--expose-gc');
    const exposed = global.gc ?? (runInNewContext('gc') as () => void);
    collect = () => void exposed();
  }
  collect();
}
