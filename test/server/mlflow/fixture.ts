import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { Project } from '../../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../../src/server/index.js';
import { tempDir } from '../../support/temp.js';

export interface MlflowServer {
  project: Project;
  server: RunningServer;
  /** Bearer tokens by role. */
  tokens: { reader: string; writer: string; scoped: string };
}

/** A fresh project served on a free port, with reader, writer and table-scoped tokens. */
export function useMlflowServer(): MlflowServer {
  const fixture = {} as MlflowServer;
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    fixture.project = await Project.init(path.join(await tempDir('aquifer-mlflow-'), 'project'));
    const store = TokenStore.forProject(fixture.project);
    fixture.tokens = {
      reader: (await store.create({ role: 'reader' })).token,
      writer: (await store.create({ role: 'writer' })).token,
      scoped: (await store.create({ role: 'writer', scopes: ['events'] })).token,
    };
    fixture.server = await startServer({ engine, project: fixture.project, port: 0 });
  });
  afterAll(async () => {
    await fixture.server?.close();
    engine?.close();
  });
  return fixture;
}

/** One MLflow REST call: GET fields go in the query, others as a JSON body. */
export async function call(
  fixture: MlflowServer,
  method: string,
  endpoint: string,
  fields: Record<string, unknown> = {},
  /** null sends no Authorization header. */
  token: string | null = fixture.tokens.writer,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const query = method === 'GET' ? `?${new URLSearchParams(Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)])).toString()}` : '';
  const response = await fetch(`${fixture.server.url}/api/2.0/mlflow/${endpoint}${query}`, {
    method,
    headers: { ...(method === 'GET' ? {} : { 'content-type': 'application/json' }), ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    ...(method === 'GET' ? {} : { body: JSON.stringify(fields) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
