import { access, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { runAsset, SCHEDULER_STATE_FILE, SqliteRunStore } from '../../src/orchestrate/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { startServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { EVENTS_SQL, writeAssets } from '../orchestrate/fixture.js';
import { tempDir } from '../support/temp.js';

/**
 * The asset scheduler inside `aquifer serve`: its first tick starts with the server, and the
 * server's close waits for the runs it launched.
 */
let engine: Engine;
let dir: string;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  dir = await tempDir('aquifer-serve-scheduler-');
});
afterAll(() => engine.close());

/** A project whose sensed asset ran once, and whose source then got a new commit. */
async function projectWithNewCommit(name: string, server?: Record<string, unknown>): Promise<Project> {
  const made = await Project.init(path.join(dir, name));
  if (server !== undefined) await writeFile(path.join(made.root, CONFIG_FILE), JSON.stringify({ ...made.config, server }));
  made.close();
  const project = await Project.open(path.join(dir, name));
  const { table } = await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: EVENTS_SQL } });
  await writeAssets(project, 'shop', [{ name: 'clean_events', kind: 'sql', sql: 'SELECT * FROM events', sensor: { onUpstreamCommit: true } }]);
  await runAsset(project, 'clean_events', { engine });
  await table.append({ sql: "SELECT 5 AS id, DATE '2024-05-02' AS day, 'web' AS channel, 2.5 AS amount" });
  return project;
}

async function triggers(project: Project): Promise<string[]> {
  const store = SqliteRunStore.open(project.root);
  try {
    return (await store.list()).reverse().map((r) => `${r.trigger} ${r.status}`);
  } finally {
    await store.close();
  }
}

/** Polls until the scheduler has started a run, for up to 60 s (a readiness wait, not a timing assertion). */
async function launched(project: Project): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await triggers(project)).some((t) => t.startsWith('sensor '))) {
    if (Date.now() > deadline) throw new Error('the scheduler started no run');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('aquifer serve runs the asset scheduler', () => {
  it('runs a sensed asset after a new upstream commit, and its close lets the run end', async () => {
    const project = await projectWithNewCommit('on');
    const server = await startServer({ engine, project, port: 0 });
    await launched(project);
    await server.close();
    expect(await triggers(project)).toEqual(['manual success', 'sensor success']);
    project.close();
  });

  it('runs none with server.scheduler "off"', async () => {
    const project = await projectWithNewCommit('off', { scheduler: 'off' });
    const server = await startServer({ engine, project, port: 0 });
    await server.close();
    expect(await triggers(project)).toEqual(['manual success']);
    await expect(access(path.join(project.root, SCHEDULER_STATE_FILE))).rejects.toThrow();
    project.close();
  });
});
