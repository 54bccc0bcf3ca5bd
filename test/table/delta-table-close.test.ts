import { describe, expect, it } from 'vitest';
import { liveS3Clients, ObjectStorePool, S3ObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';

// Opening makes a client but sends nothing, so no server is needed.
const s3 = { endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'k', secretAccessKey: 's' } };

describe('DeltaTable.close', () => {
  it('releases the S3 client a table opened for its own location', async () => {
    const before = liveS3Clients();
    const table = await DeltaTable.open('s3://bucket/t', { s3 });
    expect(liveS3Clients()).toBe(before + 1);
    table.close();
    expect(liveS3Clients()).toBe(before);
  });

  it("leaves a store or pool it was given to the store's owner", async () => {
    const stores = new ObjectStorePool({ s3 });
    const pooled = await DeltaTable.open('s3://bucket/a', { stores });
    const store = new S3ObjectStore('s3://bucket/b', s3);
    const given = await DeltaTable.open(store);
    const before = liveS3Clients();
    pooled.close();
    given.close();
    expect(liveS3Clients()).toBe(before);
    stores.close();
    store.close();
    expect(liveS3Clients()).toBe(before - 2);
  });
});
