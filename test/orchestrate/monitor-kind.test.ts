import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { readMonitorState } from '../../src/monitor/index.js';
import { assetGraph, assetStatus, runAsset, Scheduler, SqliteRunStore, type SchedulerLaunch } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';
import { writeAssets } from './fixture.js';

/**
 * A drift monitor as an asset: it hangs below the table it watches, plan refuses a monitor the
 * project does not define, a run runs the monitor (its result row, its alert state) and keeps
 * its verdict in the run's log, a monitor that cannot run fails the run, and the table's sensor
 * runs it when new data lands.
 */
let engine: Engine;
let project: Project;
let scores: DeltaTable;

/** 300 rows whose amounts start at `from`. */
const batch = (from: number) => `SELECT (${from} + i)::DOUBLE AS amount FROM range(300) t(i)`;

async function writeMonitor(name: string, monitor: Record<string, unknown>): Promise<void> {
  await mkdir(path.join(project.root, 'monitors'), { recursive: true });
  await writeFile(path.join(project.root, 'monitors', `${name}.json`), JSON.stringify(monitor));
}

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
  project = await Project.init(path.join(await tempDir('aquifer-monitor-kind-'), 'project'));
  ({ table: scores } = await DeltaTable.create(project.tablePath('scores'), { engine, data: { sql: batch(0) } }));
  await writeMonitor('scores_drift', { kind: 'drift', table: 'scores', every: '1d', reference: { version: 0 }, columns: ['amount'] });
  await writeMonitor('broken_drift', { kind: 'drift', table: 'scores', every: '1d', reference: { version: 0 }, columns: ['no_such_column'] });
  await writeAssets(project, 'watch', [
    { name: 'scores_drift', kind: 'monitor', sensor: { onUpstreamCommit: true } },
    { name: 'broken_check', kind: 'monitor', monitor: 'broken_drift' },
  ]);
  return () => engine.close();
});

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code: string; cause?: { code?: string } },
  );

async function verdicts(asset: string): Promise<string[]> {
  const store = SqliteRunStore.open(project.root);
  try {
    const runs = await store.list({ asset });
    const lines = await Promise.all(runs.map(async (r) => (await store.logs(r.id)).map((l) => l.message).filter((m) => m.startsWith('monitor '))));
    return lines.flat();
  } finally {
    await store.close();
  }
}

describe('monitor assets', () => {
  it('hang below the table their monitor watches', async () => {
    const graph = await assetGraph(project, { engine });
    expect(graph.edges).toEqual([
      { from: 'scores', to: 'scores_drift' },
      { from: 'scores', to: 'broken_check' },
    ]);
    expect(graph.assets.find((a) => a.name === 'scores_drift')).toMatchObject({ kind: 'monitor', deps: ['scores'] });
  });

  it('refuse, as plan does, a monitor the project does not define or whose file is invalid', async () => {
    const other = await Project.init(path.join(await tempDir('aquifer-monitor-kind-unknown-'), 'project'));
    await writeAssets(other, 'watch', [{ name: 'ghost', kind: 'monitor', monitor: 'not_there' }]);
    expect(await failure(assetGraph(other, { engine }))).toMatchObject({ code: 'ASSET_REFERENCE_UNKNOWN', value: { asset: 'ghost', monitor: 'not_there' } });
    await mkdir(path.join(other.root, 'monitors'), { recursive: true });
    await writeFile(path.join(other.root, 'monitors', 'not_there.json'), JSON.stringify({ kind: 'drift', table: 'scores' }));
    expect(await failure(assetGraph(other, { engine }))).toMatchObject({
      code: 'ASSET_DEFINITION_INVALID',
      value: { file: 'pipelines/watch.json', field: 'ghost.monitor' },
    });
  });

  it('run their monitor, keeping its result and alert state, and record ok or breach on the run', async () => {
    const [run] = await runAsset(project, 'scores_drift', { engine });
    expect(run).toMatchObject({ status: 'success', inputs: { scores: 0 }, outputVersion: 0 });
    expect(await verdicts('scores_drift')).toEqual(['monitor scores_drift: ok']);
    expect((await readMonitorState(project, 'scores_drift')).lastRun).toMatchObject({ status: 'ok' });
  });

  it('fail when their monitor cannot run', async () => {
    const error = await failure(runAsset(project, 'broken_check', { engine }));
    expect(error).toMatchObject({ code: 'ASSET_RUN_FAILED', cause: { code: 'ASSET_MONITOR_FAILED' } });
    expect((await readMonitorState(project, 'broken_drift')).lastRun).toMatchObject({ status: 'error' });
  });

  it("run on their table's sensor when new data lands, and record the breach", async () => {
    const scheduler = new Scheduler(project, { engine, now: () => new Date('2024-05-03T12:00:00Z') });
    try {
      const tick = async () => Promise.all((await scheduler.tick()).map(async (l: SchedulerLaunch) => `${l.asset} ${l.trigger} ${(await l.outcome).status}`));
      expect(await tick()).toEqual([]);
      await scores.append({ sql: batch(1000) });
      expect(await tick()).toEqual(['scores_drift sensor success']);
      expect(await tick()).toEqual([]);
    } finally {
      await scheduler.stop();
    }
    expect(await verdicts('scores_drift')).toEqual(['monitor scores_drift: breach', 'monitor scores_drift: ok']);
    expect((await readMonitorState(project, 'scores_drift')).alert).toBe('firing');
    expect((await assetStatus(project, { engine })).find((s) => s.name === 'scores_drift')).toMatchObject({ status: 'fresh' });
  });
});
