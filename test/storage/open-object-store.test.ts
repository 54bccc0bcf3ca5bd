import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GcsObjectStore, LocalObjectStore, openObjectStore, parseS3Uri, S3ObjectStore } from '../../src/storage/index.js';

describe('openObjectStore', () => {
  it('opens a plain path as a local store, relative to the working folder', () => {
    const store = openObjectStore('tables/x');
    expect(store).toBeInstanceOf(LocalObjectStore);
    expect((store as LocalObjectStore).root).toBe(path.resolve('tables/x'));
  });

  it('opens a file URL as a local store', () => {
    const dir = path.join(os.tmpdir(), 'aquifer open test');
    const store = openObjectStore(pathToFileURL(dir).href);
    expect(store).toBeInstanceOf(LocalObjectStore);
    expect((store as LocalObjectStore).root).toBe(dir);
  });

  it('opens s3://bucket/prefix as an S3 store rooted at that prefix', () => {
    const store = openObjectStore('s3://my-bucket/tables/x/', { s3: { endpoint: 'http://127.0.0.1:1', region: 'us-east-1' } });
    expect(store).toBeInstanceOf(S3ObjectStore);
    expect(store.url).toBe('s3://my-bucket/tables/x');
    expect((store as S3ObjectStore).keyPrefix).toBe('tables/x/');
    (store as S3ObjectStore).close();
  });

  it('opens gs://bucket/prefix as a GCS store rooted at that prefix', () => {
    const store = openObjectStore('gs://my-bucket/tables/x/', { gcs: { endpoint: 'http://127.0.0.1:1' } });
    expect(store).toBeInstanceOf(GcsObjectStore);
    expect(store.url).toBe('gs://my-bucket/tables/x');
    expect((store as GcsObjectStore).keyPrefix).toBe('tables/x/');
  });

  it('refuses other schemes with STORAGE_LOCATION_INVALID', () => {
    expect(() => openObjectStore('abfss://container@account/x')).toThrow(expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }));
    expect(() => openObjectStore('s3://')).toThrow(expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }));
  });

  it('refuses a custom endpoint that is not an http(s) URL', () => {
    expect(() => openObjectStore('s3://bucket/x', { s3: { endpoint: '127.0.0.1:9000' } })).toThrow(
      expect.objectContaining({ code: 'STORAGE_LOCATION_INVALID' }),
    );
  });
});

describe('parseS3Uri', () => {
  it('splits bucket and prefix, dropping slashes at the ends', () => {
    expect(parseS3Uri('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Uri('s3://bucket/a/b/')).toEqual({ bucket: 'bucket', prefix: 'a/b' });
  });
});

describe('S3ObjectStore configuration', () => {
  it('answers a missing region on AWS S3 with STORAGE_LOCATION_INVALID before any request', async () => {
    const names = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'AWS_CONFIG_FILE', 'AWS_PROFILE'] as const;
    const saved = names.map((name) => [name, process.env[name]] as const);
    for (const name of names) delete process.env[name];
    process.env['AWS_CONFIG_FILE'] = path.join(os.tmpdir(), `aquifer-no-config-${process.pid}`);
    try {
      const store = new S3ObjectStore('s3://some-bucket/x', { credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' }, maxAttempts: 1 });
      await expect(store.list('')).rejects.toMatchObject({ code: 'STORAGE_LOCATION_INVALID' });
      store.close();
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
