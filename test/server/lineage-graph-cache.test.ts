import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LineageLog, type LineageResult } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore, type RunningServer } from '../../src/server/index.js';
import { pipelineEvents } from '../lineage/graph/pipeline-fixture.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let server: RunningServer;
let project: Project;
let token: string;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(path.join(await tempDir('aquifer-lineage-graph-cache-'), 'project'));
  token = (await TokenStore.forProject(project).create({ role: 'reader' })).token;
  server = await startServer({ engine, project, port: 0 });
});

afterAll(async () => {
  await server?.close();
  engine?.close();
});

const upstream = async (node: string) => {
  const response = await fetch(`${server.url}/v1/lineage/upstream?node=${encodeURIComponent(node)}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as unknown };
};

describe('the server lineage graph', () => {
  it('answers with runs logged after the graph it keeps was built', async () => {
    const events = pipelineEvents();
    const log = LineageLog.forProject(project, engine);
    await log.append(events.slice(0, 12));
    // The first request builds the graph; the model is not in the log yet.
    expect((await upstream('trips@1')).status).toBe(200);
    expect((await upstream('model:churn@1')).status).toBe(404);
    await log.append(events.slice(12));
    const answer = await upstream('model:churn@1');
    expect(answer.status).toBe(200);
    const files = (answer.body as LineageResult).nodes.filter((n) => n.type === 'file').map((n) => n.path);
    expect(files).toEqual(['/data/a.csv', '/data/b.csv', '/data/fix.csv']);
  });
});
