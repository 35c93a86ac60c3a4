// A Sink on ephemeral loopback ports for tests that need a real collector.
import { Sink, type SinkOptions } from '../../src/sink/sink.js';

export const LOOP = { host: '127.0.0.1', port: 0 };

export async function withSink<T>(
  opts: Partial<SinkOptions>,
  fn: (s: Sink) => Promise<T>,
): Promise<T> {
  const s = new Sink({ listen: LOOP, tcp: LOOP, ...opts });
  await s.start();
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}
