// GcsStore against fsouza/fake-gcs-server: the shared contract through the real client library
// and a second, independent server implementation. Installed on first use by
// scripts/setup-fake-gcs.sh (needs Go); skipped with the reason when that is impossible.
// Not used for resume or fault tests: its status query finalizes uploads (see test/fakes).
import { test } from 'node:test';
import { GcsStore } from '../../../src/lib/store/gcs.js';
import { fakeGcsBinary, startFakeGcsServer } from '../../fakes/fake-gcs-server.js';
import { contractSuite } from './contract.js';

const bin = fakeGcsBinary();

if (!bin.path) {
  test('fake-gcs-server contract', (t) => t.skip(bin.why));
} else {
  const path = bin.path;
  contractSuite('gs:// (fake-gcs-server)', async () => {
    const server = await startFakeGcsServer(path, ['wflg-test']);
    let n = 0;
    return {
      open: () =>
        GcsStore.open(`gs://wflg-test/t${++n}`, {
          gcsEndpoint: server.endpoint,
          chunkSize: 256 * 1024,
          pageSize: 2,
          retry: { initialDelayMs: 5, maxDelayMs: 40, maxAttempts: 4 },
        }),
      stop: () => server.stop(),
      deleteIgnoresGeneration: true,
      keepsBadChecksumUploads: true,
    };
  });
}
