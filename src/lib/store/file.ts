// Placeholder until the file store lands; keeps the store index compiling.
import { WflgError } from '../errors.js';
import type { ObjectStore } from './types.js';

export const FileStore = {
  open(url: string): Promise<ObjectStore> {
    return Promise.reject(new WflgError('WFLG_E_INTERNAL', `${url}: file store not built yet`));
  },
};
