// Opens the object store a URL names: file:///abs/dir (the embedded default) or gs://bucket/prefix.
import { WflgError } from '../errors.js';
import { FileStore } from './file.js';
import type { ObjectStore } from './types.js';

export type { ObjectInfo, ObjectStore, PutFileOptions, PutOutcome, ReadRange } from './types.js';

export interface StoreOptions {
  /** gs:// only: API endpoint override (emulators such as fake-gcs-server), e.g. http://127.0.0.1:4443. */
  readonly gcsEndpoint?: string;
}

export async function openStore(url: string, opts: StoreOptions = {}): Promise<ObjectStore> {
  if (url.startsWith('file://')) return FileStore.open(url);
  if (url.startsWith('gs://')) {
    const { GcsStore } = await import('./gcs.js');
    return GcsStore.open(url, { gcsEndpoint: opts.gcsEndpoint });
  }
  throw new WflgError(
    'WFLG_E_CONFIG_INVALID',
    `unsupported store URL '${url}' (file:// or gs://)`,
    { url },
  );
}
