// Placeholder until the gcs store lands; keeps the store index compiling.
import { WflgError } from '../errors.js';
import type { ObjectStore } from './types.js';

export const GcsStore = {
  open(url: string): Promise<ObjectStore> {
    return Promise.reject(new WflgError('WFLG_E_INTERNAL', `${url}: gcs store not built yet`));
  },
};
