// Writing the recipes root (DESIGN §2.4). Local roots: each object written to a temporary name,
// fsynced and renamed, so a crash never leaves a half-written recipe or a premature _PROFILE_OK.
// Object-store roots: create-or-replace under the object's current generation.
import { join } from 'node:path';
import { writeFileAtomic } from '../lib/store/durable.js';
import { native } from '../lib/native.js';
import { openStore, type ObjectStore, type StoreOptions } from '../lib/store/index.js';
import { localPath } from './inputs.js';

export interface Sink {
  put(name: string, data: Uint8Array): Promise<void>;
  close(): Promise<void>;
  readonly where: string;
}

class LocalSink implements Sink {
  constructor(readonly where: string) {}
  put(name: string, data: Uint8Array): Promise<void> {
    return writeFileAtomic(join(this.where, name), data);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

class StoreSink implements Sink {
  constructor(private readonly store: ObjectStore) {}
  get where(): string {
    return this.store.url;
  }
  async put(name: string, data: Uint8Array): Promise<void> {
    const cur = await this.store.stat(name);
    await this.store.putBytes(name, data, cur?.generation ?? '0');
  }
  close(): Promise<void> {
    return this.store.close();
  }
}

export async function openSink(url: string, opts: StoreOptions = {}): Promise<Sink> {
  const p = localPath(url);
  if (p !== undefined) return new LocalSink(p);
  return new StoreSink(await openStore(url, opts));
}

/** One zstd frame with a content checksum (readable by `zstd -d`). */
export function zstd(data: Uint8Array, level = 9): Buffer {
  return new (native().FrameEncoder)(level).encode(data);
}
