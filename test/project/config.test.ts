import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { tempDir } from '../support/temp.js';

async function projectWith(config: unknown): Promise<string> {
  const dir = await tempDir('aquifer-config-');
  await writeFile(path.join(dir, CONFIG_FILE), JSON.stringify(config));
  return dir;
}

describe('the project config (aquifer.json)', () => {
  it('opens what init writes, a Redis online store and a server section', async () => {
    const dir = await tempDir('aquifer-config-');
    const created = await Project.init(dir, 'demo');
    expect((await Project.open(dir)).config).toEqual(created.config);
    const redis = await projectWith({
      name: 'p',
      backends: { tableStorage: 'local', onlineStore: { type: 'redis', url: 'redis://127.0.0.1:6379' } },
      features: 'defs.json',
      server: { anonymous: 'loopback', limits: { bodyBytes: 1024, records: 10, requestTimeoutMs: 5_000, concurrentRequests: 8 } },
    });
    const project = await Project.open(redis);
    expect(project.config.backends.onlineStore).toEqual({ type: 'redis', url: 'redis://127.0.0.1:6379' });
    expect(project.featuresPath).toBe(path.join(redis, 'defs.json'));
    expect(project.config.server).toEqual({ anonymous: 'loopback', limits: { bodyBytes: 1024, records: 10, requestTimeoutMs: 5_000, concurrentRequests: 8 } });
  });

  it.each([
    ['no name', { backends: { tableStorage: 'local' } }, 'name'],
    ['an unknown table storage', { name: 'p', backends: { tableStorage: 's4' } }, 'backends.tableStorage'],
    ['a Redis store without a URL', { name: 'p', backends: { tableStorage: 'local', onlineStore: { type: 'redis' } } }, 'backends.onlineStore.url'],
    ['an unknown online store', { name: 'p', backends: { tableStorage: 'local', onlineStore: { type: 'memcached' } } }, 'backends.onlineStore.type'],
    ['a misspelt key', { name: 'p', backends: { tableStorage: 'local' }, feature: 'x.json' }, '(the whole document)'],
    ['a server section that is not an object', { name: 'p', backends: { tableStorage: 'local' }, server: 'open' }, 'server'],
    [
      'an anonymous setting that is not off, loopback or any',
      { name: 'p', backends: { tableStorage: 'local' }, server: { anonymous: 'yes' } },
      'server.anonymous',
    ],
    [
      'a limit that is not a positive whole number',
      { name: 'p', backends: { tableStorage: 'local' }, server: { limits: { depth: 0.5 } } },
      'server.limits.depth',
    ],
    [
      'a request time limit of zero',
      { name: 'p', backends: { tableStorage: 'local' }, server: { limits: { requestTimeoutMs: 0 } } },
      'server.limits.requestTimeoutMs',
    ],
    [
      'a bound on requests in flight that is not a whole number',
      { name: 'p', backends: { tableStorage: 'local' }, server: { limits: { concurrentRequests: 2.5 } } },
      'server.limits.concurrentRequests',
    ],
    ['an unknown limit', { name: 'p', backends: { tableStorage: 'local' }, server: { limits: { bodyMegabytes: 1 } } }, 'server.limits'],
    [
      'an S3 endpoint with a path',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', endpoint: 'http://127.0.0.1:9000/lake' } } },
      'backends.tableStorage.endpoint',
    ],
    [
      'an S3 endpoint that is not http(s)',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', endpoint: 'ftp://host' } } },
      'backends.tableStorage.endpoint',
    ],
    [
      'a literal S3 secret in the config',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', credentials: { accessKeyIdEnv: 'K', secretAccessKey: 'plain-secret' } } } },
      'backends.tableStorage.credentials',
    ],
    [
      'a credentials variable that is not a variable name',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', credentials: { accessKeyIdEnv: 'K', secretAccessKeyEnv: '$(cat key)' } } } },
      'backends.tableStorage.credentials.secretAccessKeyEnv',
    ],
    [
      'S3 attempts beyond the bound',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', maxAttempts: 100 } } },
      'backends.tableStorage.maxAttempts',
    ],
    [
      'a read cache size that is not a positive whole number',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', cache: { maxBytes: -1 } } } },
      'backends.tableStorage.cache.maxBytes',
    ],
    [
      'an unknown read cache setting',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', cache: { folder: 'x' } } } },
      'backends.tableStorage.cache',
    ],
    [
      'path-style addressing that is not a boolean',
      { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', forcePathStyle: 'yes' } } },
      'backends.tableStorage.forcePathStyle',
    ],
    ['an unknown S3 setting', { name: 'p', backends: { tableStorage: { type: 's3', root: 's3://lake/x', bucket: 'lake' } } }, 'backends.tableStorage'],
    [
      'a lineage endpoint that is not an http(s) URL',
      { name: 'p', backends: { tableStorage: 'local' }, lineage: { http: { url: 'kafka://x' } } },
      'lineage.http.url',
    ],
    [
      'a lineage API key given instead of its variable',
      { name: 'p', backends: { tableStorage: 'local' }, lineage: { http: { url: 'http://m:5000', apiKey: 'secret' } } },
      'lineage.http',
    ],
    [
      'lineage attempts beyond the bound',
      { name: 'p', backends: { tableStorage: 'local' }, lineage: { http: { url: 'http://m:5000', maxAttempts: 1000 } } },
      'lineage.http.maxAttempts',
    ],
    ['lineage.enabled that is not a boolean', { name: 'p', backends: { tableStorage: 'local' }, lineage: { enabled: 'no' } }, 'lineage.enabled'],
    ['a config that is not an object', [1], '(the whole document)'],
  ])('refuses %s with PROJECT_CONFIG_INVALID naming the field', async (_, config, field) => {
    const dir = await projectWith(config);
    await expect(Project.open(dir)).rejects.toMatchObject({ code: 'PROJECT_CONFIG_INVALID', value: { file: path.join(dir, CONFIG_FILE), field } });
  });

  it('is never written invalid by init: an empty name is refused before any folder is made', async () => {
    const root = path.join(await tempDir('aquifer-config-'), 'p');
    await expect(Project.init(root, '')).rejects.toMatchObject({ code: 'PROJECT_CONFIG_INVALID', value: { field: 'name' } });
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a config that is not JSON, and a folder without one', async () => {
    const dir = await tempDir('aquifer-config-');
    await expect(Project.open(dir)).rejects.toMatchObject({ code: 'PROJECT_NOT_FOUND' });
    await writeFile(path.join(dir, CONFIG_FILE), '{"name": ');
    await expect(Project.open(dir)).rejects.toMatchObject({ code: 'PROJECT_CONFIG_INVALID' });
  });

  it('keeps the tables of a project made with an S3 storage root under that root', async () => {
    const root = path.join(await tempDir('aquifer-config-'), 'p');
    const project = await Project.init(root, 'p', { storage: 's3://lake/shop/' });
    expect(project.config.backends.tableStorage).toEqual({ type: 's3', root: 's3://lake/shop' });
    expect((await Project.open(root)).tablePath('events')).toBe('s3://lake/shop/events');
    await expect(stat(path.join(root, 'tables'))).rejects.toMatchObject({ code: 'ENOENT' });
    // Feature view sources: a URI or an absolute path as given, a name under the root.
    expect(project.tableLocation('s3://elsewhere/t')).toBe('s3://elsewhere/t');
    // And back: a location under the root names its table; any other location names none.
    expect(project.tableNameAt('s3://lake/shop/events/')).toBe('events');
    expect(project.tableNameAt('s3://lake/shopfront/events')).toBeUndefined();
    expect(project.tableNameAt(path.join(root, 'tables', 'events'))).toBeUndefined();
    expect(project.tableLocation('/data/t')).toBe('/data/t');
    expect(project.tableLocation('events')).toBe('s3://lake/shop/events');
    await expect(Project.init(root, 'p', { storage: 's3://other/x' })).rejects.toMatchObject({
      code: 'PROJECT_CONFIG_INVALID',
      value: { field: 'backends.tableStorage' },
    });
  });

  it('opens an S3 storage with endpoint, region, profile, attempts, cache and credential variables', async () => {
    const tableStorage = {
      type: 's3',
      root: 's3://lake/shop',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      profile: 'lake',
      maxAttempts: 3,
      cache: { dir: '.aquifer/cache', maxBytes: 1_000_000 },
      credentials: { accessKeyIdEnv: 'LAKE_KEY_ID', secretAccessKeyEnv: 'LAKE_SECRET', sessionTokenEnv: 'LAKE_TOKEN' },
    };
    const project = await Project.open(await projectWith({ name: 'p', backends: { tableStorage } }));
    expect(project.config.backends.tableStorage).toEqual(tableStorage);
    project.close();
  });

  it('records the endpoint, region and profile given to init', async () => {
    const root = path.join(await tempDir('aquifer-config-'), 'p');
    const project = await Project.init(root, 'p', { storage: 's3://lake/shop', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1', profile: 'lake' });
    expect((await Project.open(root)).config.backends.tableStorage).toEqual({
      type: 's3',
      root: 's3://lake/shop',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      profile: 'lake',
    });
    project.close();
  });

  it('refuses a storage root that is not an s3:// URI before any folder is made', async () => {
    const root = path.join(await tempDir('aquifer-config-'), 'p');
    await expect(Project.init(root, 'p', { storage: 'gs://lake/x' })).rejects.toMatchObject({
      code: 'PROJECT_CONFIG_INVALID',
      value: { field: 'backends.tableStorage.root' },
    });
    await expect(stat(root)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
