// What the services' metrics modules share: counters that publish a running total its owner keeps
// (the owner counts; prom-client only reports the count as it stands at each scrape).
import { Counter, type Registry } from 'prom-client';

/** One counter per `[key, name, help]`, publishing `read(key)` at every scrape. */
export function totalCounters<K extends string>(
  registry: Registry,
  defs: ReadonlyArray<readonly [K, string, string]>,
  read: (key: K) => number,
): void {
  for (const [key, name, help] of defs)
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read(key));
      },
    });
}
