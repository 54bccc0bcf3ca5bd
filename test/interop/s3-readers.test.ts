import { S3ObjectStore } from '../../src/storage/index.js';
import { deltaExtensionAvailable } from '../support/duckdb-extensions.js';
import { deltaRsStorageOptions, minioStore } from '../support/minio-table.js';
import { describeReadersOnStore, type ReaderStoreFixture } from '../support/readers-on-store-suite.js';
import { referenceReadersAvailable } from '../support/reference-readers.js';
import { minioAvailable, startMinio } from '../support/services.js';

const ready = (await minioAvailable()) && referenceReadersAvailable() && (await deltaExtensionAvailable());

async function openMinio(): Promise<ReaderStoreFixture> {
  const minio = await startMinio();
  return {
    location: async (name) => {
      // A bucket per table, so each delta_scan secret is scoped to its own table.
      const bucket = await minio.createBucket();
      const prefix = `tables/${name}`;
      const store: S3ObjectStore = await minioStore(minio, bucket, prefix);
      return { store, uri: `s3://${bucket}/${prefix}`, close: () => store.close() };
    },
    storageOptions: deltaRsStorageOptions(minio),
    configureDeltaScan: (engine, uri, name) =>
      engine.configureS3(`minio_${name}`, {
        scope: `s3://${new URL(uri).host}`,
        endpoint: minio.endpoint,
        region: 'us-east-1',
        accessKeyId: minio.accessKeyId,
        secretAccessKey: minio.secretAccessKey,
      }),
    stop: () => minio.stop(),
  };
}

describeReadersOnStore('reference readers on a table Aquifer wrote in MinIO', openMinio, {
  skip: ready ? undefined : 'MinIO, the Python reference readers or the delta extension is not available',
});
