import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { runMonitors, type ActionOutcome } from '../../../src/monitor/index.js';
import { LEASE_OWNER, SqliteRunStore } from '../../../src/orchestrate/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { EVENTS_SQL, writeAssets } from '../../orchestrate/fixture.js';
import { tempDir } from '../../support/temp.js';
import { writeMonitor } from './fixture.js';

/**
 * A monitor's `run_asset` action: when it fires, the asset runs through the orchestrator
 * (trigger `monitor`, in the run history), once per firing; its outcome is in details.actions.
 */
let engine: Engine;
let project: Project;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-monitor-run-asset-'), 'project'));
  await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: EVENTS_SQL } });
  await writeAssets(project, 'pipeline', [
    { name: 'clean_events', kind: 'sql', sql: 'SELECT * FROM events WHERE amount >= 0' },
    { name: 'held', kind: 'sql', sql: 'SELECT * FROM events' },
  ]);
});
afterAll(() => {
  project.close();
  engine.close();
});

async function history(): Promise<{ asset: string; trigger: string; status: string; id: string }[]> {
  const store = SqliteRunStore.open(project.root);
  try {
    return (await store.list({ limit: 100 })).reverse();
  } finally {
    await store.close();
  }
}

const actionsOf = (details: Record<string, unknown> | undefined) => details?.['actions'] as ActionOutcome[] | undefined;

describe('the run_asset action', () => {
  it('runs the asset with trigger monitor once per firing, and says what it did (a failure among the actions does not stop the next)', async () => {
    // Fires on its first run: the one commit of events is far below `min`.
    await writeMonitor(project, 'too-few', {
      kind: 'volume',
      table: 'events',
      every: '1h',
      per: 'commit',
      min: 1_000_000,
      actions: [
        { type: 'run_asset', asset: 'no_such_asset' },
        { type: 'run_asset', asset: 'clean_events' },
      ],
    });
    const first = await runMonitors(project, { names: ['too-few'], engine });
    expect(first.results[0]).toMatchObject({ status: 'breach', alert: 'firing' });
    const [missing, ran] = actionsOf(first.results[0]?.details) ?? [];
    expect(missing).toMatchObject({ type: 'run_asset', error: { code: 'ASSET_NOT_FOUND' } });
    expect(ran).toMatchObject({ type: 'run_asset', asset: 'clean_events', status: 'success', outputVersion: 0 });
    const runs = await history();
    expect(runs.map((r) => [r.asset, r.trigger, r.status])).toEqual([['clean_events', 'monitor', 'success']]);
    expect(ran !== undefined && 'runId' in ran ? ran.runId : undefined).toBe(runs[0]?.id);

    // Still breaching, already firing: nothing runs again.
    const second = await runMonitors(project, { names: ['too-few'], engine });
    expect(second.results[0]).toMatchObject({ status: 'breach', alert: null });
    expect(actionsOf(second.results[0]?.details)).toBeUndefined();
    expect(await history()).toHaveLength(1);
  });

  it('is skipped, not doubled, when another run holds the asset', async () => {
    await writeMonitor(project, 'held-elsewhere', {
      kind: 'volume',
      table: 'events',
      every: '1h',
      per: 'commit',
      min: 1_000_000,
      actions: [{ type: 'run_asset', asset: 'held' }],
    });
    const store = SqliteRunStore.open(project.root);
    try {
      const lease = { asset: 'held', holder: 'elsewhere', runId: 'run-elsewhere', owner: LEASE_OWNER, expiresAt: Date.now() + 3_600_000 };
      expect(await store.acquireLease(lease, Date.now())).toEqual({ acquired: true });
      const { results } = await runMonitors(project, { names: ['held-elsewhere'], engine });
      expect(actionsOf(results[0]?.details)).toEqual([
        expect.objectContaining({ type: 'run_asset', asset: 'held', status: 'skipped', heldBy: 'run-elsewhere' }),
      ]);
      expect((await history()).filter((r) => r.asset === 'held')).toEqual([]);
    } finally {
      await store.releaseLease('held', undefined, 'elsewhere');
      await store.close();
    }
  });
});
