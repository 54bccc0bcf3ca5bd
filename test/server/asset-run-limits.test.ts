import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { SqliteRunStore, type AssetRun } from '../../src/orchestrate/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { writeAssets } from '../orchestrate/fixture.js';
import { tempDir } from '../support/temp.js';

/**
 * `POST /v1/runs` over real HTTP keeps a bounded number of launched runs in flight
 * (server.maxConcurrentRuns, here 2), answers 429 with Retry-After past it, and 409 for an
 * asset and partition already running, in this server or in another process.
 */
let engine: Engine;
let project: Project;
let server: RunningServer;
let token: string;

/** Waits, calling the engine between looks (so a cancel reaches it), until `open-<asset>` exists beside the module. */
const GATED = `import { existsSync } from 'node:fs';
export default async function ({ engine, asset }) {
  while (!existsSync(new URL('./open-' + asset, import.meta.url))) {
    await engine.queryJson('SELECT 1 AS x');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { sql: 'SELECT 1 AS x' };
}
`;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  const made = await Project.init(path.join(await tempDir('aquifer-run-limits-'), 'project'));
  await writeFile(path.join(made.root, CONFIG_FILE), JSON.stringify({ ...made.config, server: { maxConcurrentRuns: 2 } }));
  project = await Project.open(made.root);
  await writeFile(path.join(project.root, 'gated.mjs'), GATED);
  await writeAssets(
    project,
    'gated',
    ['first', 'second', 'third', 'elsewhere'].map((name) => ({ name, kind: 'typescript', module: 'gated.mjs', reads: [] })),
  );
  token = (await TokenStore.forProject(project).create({ role: 'writer' })).token;
  server = await startServer({ engine, project, port: 0 });
});

afterAll(async () => {
  await server?.close();
  project?.close();
  engine?.close();
});

async function launch(asset: string): Promise<{ status: number; code?: string; id?: string; retryAfter: string | null }> {
  const response = await fetch(`${server.url}/v1/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ asset }),
  });
  const json = (await response.json()) as { id?: string; error?: { code: string } };
  return {
    status: response.status,
    ...(json.error === undefined ? {} : { code: json.error.code }),
    ...(json.id === undefined ? {} : { id: json.id }),
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Polls the run until it has ended (a readiness wait, not a timing assertion). */
async function ended(id: string): Promise<AssetRun> {
  for (;;) {
    const response = await fetch(`${server.url}/v1/runs/${id}`, { headers: { authorization: `Bearer ${token}` } });
    const run = (await response.json()) as AssetRun;
    if (run.status !== 'running' && (run.status as string) !== 'pending') return run;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const open = (asset: string) => writeFile(path.join(project.root, `open-${asset}`), '');

describe('POST /v1/runs under load', () => {
  it('answers 409 for an asset already launched, and 429 with Retry-After past server.maxConcurrentRuns, never queueing', async () => {
    const first = await launch('first');
    expect(first.status).toBe(202);
    expect(await launch('first')).toMatchObject({ status: 409, code: 'ASSET_RUN_IN_PROGRESS' });
    const second = await launch('second');
    expect(second.status).toBe(202);
    const refused = await launch('third');
    expect(refused).toMatchObject({ status: 429, code: 'ASSET_RUN_LIMIT_REACHED', retryAfter: '5' });
    await open('first');
    expect(await ended(first.id ?? '')).toMatchObject({ asset: 'first', status: 'success' });
    // A slot is free again once the first launch has wound up (its run recorded, then its engine and store closed).
    let third = await launch('third');
    while (third.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      third = await launch('third');
    }
    expect(third.status).toBe(202);
    await open('second');
    await open('third');
    expect((await ended(second.id ?? '')).status).toBe('success');
    expect((await ended(third.id ?? '')).status).toBe('success');
    const store = SqliteRunStore.open(project.root);
    try {
      expect((await store.list({ asset: 'third' })).map((r) => r.status)).toEqual(['success']);
    } finally {
      await store.close();
    }
  });

  it('answers 409 naming the run when another process holds the asset', async () => {
    const store = SqliteRunStore.open(project.root);
    try {
      const lease = { asset: 'elsewhere', holder: 'cli', runId: 'cli-run', owner: 'another-host:1', expiresAt: Date.now() + 3_600_000 };
      expect(await store.acquireLease(lease, Date.now())).toEqual({ acquired: true });
      expect(await launch('elsewhere')).toMatchObject({ status: 409, code: 'ASSET_RUN_IN_PROGRESS' });
      expect(await store.list({ asset: 'elsewhere' })).toEqual([]);
      await store.releaseLease('elsewhere', undefined, 'cli');
      await open('elsewhere');
      const launched = await launch('elsewhere');
      expect(launched.status).toBe(202);
      expect((await ended(launched.id ?? '')).status).toBe('success');
    } finally {
      await store.close();
    }
  });
});
