import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LineageLog, recordLineage } from '../../src/lineage/index.js';
import { withJobRun } from '../../src/observe/index.js';
import { CONFIG_FILE, Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

async function projectWith(lineage: Record<string, unknown> | undefined): Promise<Project> {
  const dir = await tempDir('aquifer-lineage-recorder-');
  await Project.init(dir, 'shop');
  if (lineage !== undefined) {
    const file = path.join(dir, CONFIG_FILE);
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...config, lineage }));
  }
  return Project.open(dir);
}

describe('recordLineage', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  it("logs the project's runs and leaves out runs that touch nothing of it", async () => {
    const project = await projectWith(undefined);
    const elsewhere = await tempDir('aquifer-lineage-elsewhere-');
    const recorder = recordLineage(project, engine);
    try {
      const { table } = await DeltaTable.create(project.tablePath('orders'), { engine, data: { sql: 'SELECT 1::BIGINT AS id' } });
      await withJobRun({ name: 'ingest.orders', type: 'INGEST' }, async () => {
        await table.append({ sql: 'SELECT 2::BIGINT AS id' });
      });
      await DeltaTable.create(`${elsewhere}/other`, { engine, data: { sql: 'SELECT 1 AS x' } });
      await withJobRun({ name: 'shop.report', type: 'QUERY', project: project.root }, async () => undefined);
      await recorder.flush();
    } finally {
      await recorder.close();
    }
    const events = await LineageLog.forProject(project, engine).events();
    expect(events.map((e) => `${e.job.namespace} ${e.job.name} ${e.eventType}`)).toEqual([
      'shop table.create_table_as_select.orders START',
      'shop table.create_table_as_select.orders COMPLETE',
      // The ingest's START named nothing yet: it waits for the run to show it is the project's, then comes first.
      'shop ingest.orders START',
      'shop ingest.orders COMPLETE',
      'shop shop.report START',
      'shop shop.report COMPLETE',
    ]);
    expect(events[3]!.outputs.map((o) => [o.name, o.facets?.['version']?.['datasetVersion']])).toEqual([[project.tablePath('orders'), '1']]);
  });

  it('names jobs with lineage.namespace when the config sets one', async () => {
    const project = await projectWith({ namespace: 'prod-shop' });
    const recorder = recordLineage(project, engine);
    await withJobRun({ name: 'shop.job', type: 'QUERY', project: project.root }, async () => undefined);
    await recorder.close();
    expect((await LineageLog.forProject(project, engine).events()).map((e) => e.job.namespace)).toEqual(['prod-shop', 'prod-shop']);
  });

  it('records nothing when lineage.enabled is false', async () => {
    const project = await projectWith({ enabled: false });
    const recorder = recordLineage(project, engine);
    await DeltaTable.create(project.tablePath('orders'), { engine, data: { sql: 'SELECT 1::BIGINT AS id' } });
    await recorder.close();
    expect(await LineageLog.forProject(project, engine).events()).toEqual([]);
  });

  it('logs each event once when the same project is recorded twice in one process', async () => {
    const project = await projectWith(undefined);
    const first = recordLineage(project, engine);
    const second = recordLineage(await Project.open(project.root), engine);
    await withJobRun({ name: 'shop.job', type: 'QUERY', project: project.root }, async () => undefined);
    await second.close();
    await withJobRun({ name: 'shop.later', type: 'QUERY', project: project.root }, async () => undefined);
    await first.close();
    expect((await LineageLog.forProject(project, engine).events()).map((e) => `${e.job.name} ${e.eventType}`)).toEqual([
      'shop.job START',
      'shop.job COMPLETE',
      'shop.later START',
      'shop.later COMPLETE',
    ]);
  });

  it('keeps the events a failed log append could not take and logs them, in order, once it can', async () => {
    const project = await projectWith(undefined);
    // A file where the log's folder belongs: every append fails until it is gone.
    const blocker = path.join(project.root, '.aquifer', 'lineage');
    await writeFile(blocker, 'in the way');
    const recorder = recordLineage(project, engine);
    try {
      await withJobRun({ name: 'shop.first', type: 'QUERY', project: project.root }, async () => undefined);
      await recorder.flush();
      await rm(blocker);
      await withJobRun({ name: 'shop.second', type: 'QUERY', project: project.root }, async () => undefined);
      await recorder.flush();
    } finally {
      await recorder.close();
    }
    expect((await LineageLog.forProject(project, engine).events()).map((e) => `${e.job.name} ${e.eventType}`)).toEqual([
      'shop.first START',
      'shop.first COMPLETE',
      'shop.second START',
      'shop.second COMPLETE',
    ]);
  });

  it('writes the log from a worker thread when asked (a server), with the same events, kept through a failed append, and closed with the recorder', async () => {
    const project = await projectWith(undefined);
    const blocker = path.join(project.root, '.aquifer', 'lineage');
    await writeFile(blocker, 'in the way');
    // No engine on this thread: every append must be the worker's.
    const recorder = recordLineage(project, () => Promise.reject(new Error('the log was written on the recording thread')), { logInThread: true });
    try {
      const { table } = await DeltaTable.create(project.tablePath('orders'), { engine, data: { sql: 'SELECT 1::BIGINT AS id' } });
      await recorder.flush();
      await rm(blocker);
      await withJobRun({ name: 'ingest.orders', type: 'INGEST' }, async () => {
        await table.append({ sql: 'SELECT 2::BIGINT AS id' });
      });
      await recorder.flush();
    } finally {
      await recorder.close();
    }
    const events = await LineageLog.forProject(project, engine).events();
    expect(events.map((e) => `${e.job.name} ${e.eventType}`)).toEqual([
      'table.create_table_as_select.orders START',
      'table.create_table_as_select.orders COMPLETE',
      'ingest.orders START',
      'ingest.orders COMPLETE',
    ]);
    expect(events.map((e) => e.run.runId).filter((id, i, all) => all.indexOf(id) === i)).toHaveLength(2);
  });
});
