import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AquiferError } from '../../src/errors.js';
import { Engine, EXTENSION_DIRECTORY_ENV, quoteLiteral } from '../../src/engine/index.js';
import { duckdbExtensionDirectory, duckdbExtensionFile, httpfsAvailable } from '../support/duckdb-extensions.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY';
const TOKEN = "session-token-with-a-quote-'-inside";

const httpfsReady = await httpfsAvailable();

const engines: Engine[] = [];
async function newEngine(extensionDirectory?: string): Promise<Engine> {
  const engine = await Engine.create(extensionDirectory === undefined ? { threads: 1 } : { threads: 1, extensionDirectory });
  engines.push(engine);
  return engine;
}
afterAll(() => {
  for (const engine of engines) engine.close();
});

async function caught(work: Promise<unknown>): Promise<AquiferError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AquiferError);
  return error as AquiferError;
}

/** Everything about an error a user or a log could see: message, value, hint, stack and causes. */
function everythingShown(error: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = error; current !== undefined && current !== null; current = (current as { cause?: unknown }).cause) {
    if (current instanceof AquiferError) parts.push(JSON.stringify(current.toJSON()));
    if (current instanceof Error) parts.push(current.message, current.stack ?? '');
    else parts.push(String(current));
  }
  return parts.join('\n');
}

async function extensionState(engine: Engine, name: string): Promise<{ installed: boolean; loaded: boolean }> {
  const rows = await engine.query(`SELECT installed, loaded FROM duckdb_extensions() WHERE extension_name = ${quoteLiteral(name)}`);
  return rows[0] as { installed: boolean; loaded: boolean };
}

describe('the extension directory', () => {
  const saved = process.env[EXTENSION_DIRECTORY_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[EXTENSION_DIRECTORY_ENV];
    else process.env[EXTENSION_DIRECTORY_ENV] = saved;
  });

  it('comes from AQUIFER_DUCKDB_EXTENSIONS when the engine option names none', async () => {
    const dir = await tempDir();
    process.env[EXTENSION_DIRECTORY_ENV] = dir;
    const engine = await newEngine();
    expect(await engine.query(`SELECT current_setting('extension_directory') AS d`)).toEqual([{ d: dir }]);
  });

  it('comes from the engine option ahead of AQUIFER_DUCKDB_EXTENSIONS', async () => {
    const [fromOption, fromEnv] = [await tempDir(), await tempDir()];
    process.env[EXTENSION_DIRECTORY_ENV] = fromEnv;
    const engine = await newEngine(fromOption);
    expect(await engine.query(`SELECT current_setting('extension_directory') AS d`)).toEqual([{ d: fromOption }]);
  });

  it("stays DuckDB's default when neither names one, so an online INSTALL lands where LOAD looks", async () => {
    delete process.env[EXTENSION_DIRECTORY_ENV];
    const engine = await newEngine();
    expect(await engine.query(`SELECT current_setting('extension_directory') AS d`)).toEqual([{ d: '' }]);
  });
});

describe('a missing extension', () => {
  it('is ENGINE_EXTENSION_MISSING naming the extension and the install script, without DuckDB’s message', async () => {
    const empty = path.join(await tempDir(), 'no-extensions-here');
    const engine = await newEngine(empty);
    const error = await caught(engine.ensureExtension('httpfs'));
    expect(error.code).toBe('ENGINE_EXTENSION_MISSING');
    expect(error.value).toEqual({ extension: 'httpfs', directory: empty });
    expect(error.hint).toContain('scripts/duckdb-extensions.sh');
    expect(error.cause).toBeUndefined();
    expect(error.message).not.toContain('.duckdb_extension');
    expect((await extensionState(engine, 'httpfs')).loaded).toBe(false);
  });

  it('is ENGINE_EXTENSION_MISSING too when the file there does not load, and a later call tries again', async () => {
    const dir = await tempDir();
    const file = await duckdbExtensionFile(dir, 'httpfs');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, 'not an extension');
    const engine = await newEngine(dir);
    const first = await caught(engine.ensureExtension('httpfs'));
    expect(first.code).toBe('ENGINE_EXTENSION_MISSING');
    expect(first.hint).toContain('scripts/duckdb-extensions.sh');
    expect(first.cause).toBeDefined(); // DuckDB's reason, kept for debugging only when the file is there
    await rm(file);
    const second = await caught(engine.ensureExtension('httpfs'));
    expect([second.code, second.cause]).toEqual(['ENGINE_EXTENSION_MISSING', undefined]);
  });

  it('fails configureS3 with ENGINE_EXTENSION_MISSING that shows none of the credentials', async () => {
    const engine = await newEngine(path.join(await tempDir(), 'no-extensions-here'));
    const error = await caught(
      engine.configureS3('lake', { scope: 's3://bucket/tables', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN }),
    );
    expect(error.code).toBe('ENGINE_EXTENSION_MISSING');
    expect(everythingShown(error)).not.toContain(SECRET);
    expect(everythingShown(error)).not.toContain('session-token');
  });
});

describe('configureS3 input', () => {
  it.each([
    ['a name that is not an identifier', 'my-secret', 's3://bucket/tables', undefined],
    ['a scope that is not s3://bucket', 'lake', 'bucket/tables', undefined],
    ['an endpoint URL with a path', 'lake', 's3://bucket/tables', 'http://127.0.0.1:9000/minio'],
  ])('refuses %s with ENGINE_SECRET_INVALID, showing no credentials', async (_what, name, scope, endpoint) => {
    const engine = await newEngine(path.join(await tempDir(), 'no-extensions-here'));
    const options = { scope, accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET, ...(endpoint === undefined ? {} : { endpoint }) };
    const error = await caught(engine.configureS3(name, options));
    expect(error.code).toBe('ENGINE_SECRET_INVALID');
    expect(everythingShown(error)).not.toContain(SECRET);
  });
});

describe.skipIf(!httpfsReady)('httpfs from the offline extension directory', () => {
  const extensions = duckdbExtensionDirectory();

  it('is loaded only when first needed, and a second or concurrent request reuses the load', async () => {
    const engine = await newEngine(extensions);
    await engine.query('SELECT 42 AS answer');
    expect(await extensionState(engine, 'httpfs')).toEqual({ installed: true, loaded: false });
    await Promise.all([engine.ensureExtension('httpfs'), engine.ensureExtension('httpfs')]);
    await engine.ensureExtension('httpfs');
    expect(await extensionState(engine, 'httpfs')).toEqual({ installed: true, loaded: true });
  });

  describe('reading Parquet over plain HTTP', () => {
    let server: http.Server;
    let base: string;
    let local: string;

    beforeAll(async () => {
      const dir = await tempDir();
      local = path.join(dir, 'f.parquet');
      const writer = await newEngine();
      await writer.run(
        `COPY (SELECT i AS id, 'row ' || i AS label, i * 0.5 AS score FROM range(5000) t(i)) ` +
          `TO ${quoteLiteral(local)} (FORMAT parquet, ROW_GROUP_SIZE 1000)`,
      );
      const bytes = await readFile(local);
      // httpfs asks with HEAD for the size, then GETs byte ranges: serve both as S3 does.
      server = http.createServer((request, response) => {
        if (request.url !== '/f.parquet') {
          response.writeHead(404).end();
          return;
        }
        const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
        if (range === null) {
          response.writeHead(200, { 'Content-Length': bytes.length, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' });
          response.end(request.method === 'HEAD' ? undefined : bytes);
          return;
        }
        const start = Number(range[1]);
        const end = range[2] === '' ? bytes.length - 1 : Math.min(Number(range[2]), bytes.length - 1);
        response.writeHead(206, {
          'Content-Length': end - start + 1,
          'Content-Range': `bytes ${start}-${end}/${bytes.length}`,
          'Accept-Ranges': 'bytes',
          'Content-Type': 'application/octet-stream',
        });
        response.end(request.method === 'HEAD' ? undefined : bytes.subarray(start, end + 1));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('returns exactly the rows of the local file, filtered and whole', async () => {
      const engine = await newEngine(extensions);
      await engine.ensureExtension('httpfs');
      const select = (source: string, where = 'true') =>
        engine.query(`SELECT id, label, score FROM read_parquet(${quoteLiteral(source)}) WHERE ${where} ORDER BY id`);
      const overHttp = await select(`${base}/f.parquet`);
      expect(overHttp).toHaveLength(5000);
      expect(overHttp).toEqual(await select(local));
      expect(await select(`${base}/f.parquet`, 'id BETWEEN 1500 AND 1502')).toEqual([
        { id: 1500n, label: 'row 1500', score: 750 },
        { id: 1501n, label: 'row 1501', score: 750.5 },
        { id: 1502n, label: 'row 1502', score: 751 },
      ]);
    });
  });

  it('creates an S3 secret scoped to the bucket prefix, which duckdb_secrets() shows redacted, and replaces it', async () => {
    const engine = await newEngine(extensions);
    const options = {
      scope: 's3://bucket/tables',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      accessKeyId: 'AKIAEXAMPLE',
      secretAccessKey: SECRET,
      sessionToken: TOKEN,
    };
    await engine.configureS3('lake', options);
    await engine.configureS3('lake', { ...options, region: 'us-east-1' });
    const rows = await engine.query(`SELECT name, type, scope, secret_string FROM duckdb_secrets()`);
    expect(rows).toHaveLength(1);
    const row = rows[0] as { name: string; type: string; scope: string[]; secret_string: string };
    expect([row.name, row.type, row.scope]).toEqual(['lake', 's3', ['s3://bucket/tables']]);
    const fields = Object.fromEntries(row.secret_string.split(';').map((pair) => pair.split('=') as [string, string]));
    expect(fields).toMatchObject({
      endpoint: '127.0.0.1:9000',
      region: 'us-east-1',
      key_id: 'AKIAEXAMPLE',
      secret: 'redacted',
      session_token: 'redacted',
      url_style: 'path',
      use_ssl: 'false',
    });
    expect(row.secret_string).not.toContain(SECRET);
  });

  it('keeps configured credentials out of the message, value and cause of a failing query', async () => {
    const engine = await newEngine(extensions);
    await engine.configureS3('lake', { scope: 's3://bucket/tables', accessKeyId: 'AKIAEXAMPLE', secretAccessKey: SECRET, sessionToken: TOKEN });
    const error = await caught(engine.query(`SELECT CAST(${quoteLiteral(SECRET)} AS INTEGER) AS a, CAST(${quoteLiteral(TOKEN)} AS INTEGER) AS b`));
    expect(error.code).toBe('ENGINE_QUERY_FAILED');
    const shown = everythingShown(error);
    expect(shown).toContain('***');
    expect(shown).not.toContain(SECRET);
    expect(shown).not.toContain('session-token');
  });
});
