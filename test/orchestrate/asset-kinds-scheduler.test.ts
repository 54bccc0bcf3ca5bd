import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry } from '../../src/features/index.js';
import { assetStatus, runAsset, Scheduler, SqliteRunStore, type SchedulerLaunch } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { tempDir } from '../support/temp.js';
import { dayOfClicks, land, PIPELINE, REPOSITORY } from './asset-kinds-fixture.js';
import { writeAssets } from './fixture.js';

/**
 * The demo's shape under the scheduler, the clock in the test's hands: the ingest asset's
 * sensor sees a file land, and each step after it runs when what it reads has moved, until
 * everything is fresh again; nothing that does not read the new data runs.
 */
let engine: Engine;
let project: Project;
const now = () => new Date('2024-05-03T12:00:00Z');

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-asset-kinds-scheduler-'), 'project'));
  await land(project, 'day-1.csv', dayOfClicks('2024-05-01', 12));
  // No cron here: every asset runs on its sensor (the ingest asset's sees its files).
  const sensed = PIPELINE.map((asset) => ({ ...asset, schedule: undefined, sensor: { onUpstreamCommit: true } }));
  await writeAssets(project, 'pipeline', [...sensed, { name: 'unrelated', kind: 'sql', sql: 'SELECT 1 AS one', sensor: { onUpstreamCommit: true } }]);
  await writeFile(project.featuresPath, JSON.stringify(REPOSITORY));
  await runAsset(project, 'user_activity', { withUpstream: true, engine });
  await new FeatureRegistry(project).apply(REPOSITORY, engine);
  await runAsset(project, 'buyer', { withUpstream: true, engine });
  await runAsset(project, 'unrelated', { engine });
});
afterAll(() => engine.close());

async function settled(launches: Promise<SchedulerLaunch[]>): Promise<string[]> {
  return Promise.all((await launches).map(async (l) => `${l.asset} ${l.trigger} ${(await l.outcome).status}`));
}

describe('the scheduler over asset kinds', () => {
  it('runs the ingest asset when a file lands, then each asset below it once, tick by tick, and nothing else', async () => {
    const store = SqliteRunStore.open(project.root);
    const scheduler = new Scheduler(project, { engine, now, store });
    try {
      expect(await settled(scheduler.tick())).toEqual([]);
      await land(project, 'day-2.csv', dayOfClicks('2024-05-02', 12));
      const ticks: string[][] = [];
      for (let i = 0; i < 8; i++) ticks.push((await settled(scheduler.tick())).sort());
      // One step a tick. The training set reads clicks (its entity rows) and, through user_activity, the view's
      // asset: it waits until the view's asset has run, then runs once, and the model once after it.
      expect(ticks).toEqual([
        ['clicks sensor success'],
        ['user_activity sensor success'],
        ['user_activity_online sensor success'],
        ['training_buying sensor success'],
        ['buyer sensor success'],
        [],
        [],
        [],
      ]);
      const sensed = (await store.list({ limit: 1000 })).filter((r) => r.trigger === 'sensor').map((r) => r.asset);
      expect(sensed.sort()).toEqual(['buyer', 'clicks', 'training_buying', 'user_activity', 'user_activity_online']);
      expect(new Set((await assetStatus(project, { engine })).map((s) => s.status))).toEqual(new Set(['fresh']));
    } finally {
      await scheduler.stop();
      await store.close();
    }
  });
});
