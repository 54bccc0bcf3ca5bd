import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { GcsObjectStore } from '../../src/storage/index.js';
import { gcsAvailable, startGcs } from '../support/services.js';
import { describeTableOnStore, type TableStoreFixture } from '../support/table-on-store-suite.js';

const gcsReady = await gcsAvailable();

async function openGcs(): Promise<TableStoreFixture> {
  const gcs = await startGcs();
  const bucket = await gcs.createBucket();
  return {
    location: () => `gs://${bucket}/tables/${randomUUID()}`,
    options: () => ({ gcs: { endpoint: gcs.endpoint, cache: { dir: path.join(os.tmpdir(), `aquifer-gcs-cache-${randomUUID()}`) } } }),
    missingBucketLocation: () => `gs://no-such-bucket-${randomUUID().slice(0, 8)}/t`,
    stop: () => gcs.stop(),
  };
}

describeTableOnStore('Delta tables on GCS (fake-gcs-server)', openGcs, {
  skip: gcsReady ? undefined : 'fake-gcs-server is not available',
  storeClass: GcsObjectStore,
  unsupported: {
    'engine-reads-the-bucket':
      'GcsObjectStore hands DuckDB local copies only: httpfs reaches GCS only through the S3-compatible XML API with HMAC keys, which fake-gcs-server does not offer',
  },
});
