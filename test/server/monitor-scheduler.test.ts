import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { monitorStatus } from '../../src/monitor/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { startServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { writeMonitor } from '../monitor/monitors/fixture.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let dir: string;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  dir = await tempDir('aquifer-serve-monitors-');
});
afterAll(() => engine.close());

async function projectWithMonitor(name: string, server?: Record<string, unknown>): Promise<Project> {
  const project = await Project.init(path.join(dir, name));
  if (server !== undefined) {
    await writeFile(path.join(project.root, CONFIG_FILE), JSON.stringify({ ...project.config, server }));
  }
  await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: 'SELECT 1 AS id' } });
  await writeMonitor(project, 'events-fresh', { kind: 'freshness', table: 'events', every: '1h', maxAge: '1d' });
  return Project.open(project.root);
}

/** Polls until the monitor has run, for up to 60 s (a readiness wait, not a timing assertion). */
async function ranOnce(project: Project): Promise<string | null> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [status] = await monitorStatus(project);
    if (status?.lastRun !== null && status?.lastRun !== undefined) return status.lastRun.status;
    if (Date.now() > deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('aquifer serve runs due monitors', () => {
  it('runs a due monitor on its own, once while it is not due again', async () => {
    const project = await projectWithMonitor('on');
    const server = await startServer({ engine, project, port: 0, monitorTickMs: 20 });
    try {
      expect(await ranOnce(project)).toBe('ok');
      const [first] = await monitorStatus(project);
      // More looks than one pass: the monitor, due every hour, is not run again.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const [later] = await monitorStatus(project);
      expect(later?.lastRun?.at).toBe(first?.lastRun?.at);
    } finally {
      await server.close();
      project.close();
    }
  });

  it('runs none with server.monitors "off"', async () => {
    const project = await projectWithMonitor('off', { monitors: 'off' });
    const server = await startServer({ engine, project, port: 0, monitorTickMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.close();
    const [status] = await monitorStatus(project);
    expect(status?.lastRun).toBeNull();
    project.close();
  });
});
