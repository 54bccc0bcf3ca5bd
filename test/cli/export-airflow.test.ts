import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import type { AssetRun } from '../../src/orchestrate/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { EVENTS_SQL } from '../orchestrate/fixture.js';
import { airflowAvailable, airflowBin, runProcess } from '../support/airflow.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

/**
 * The proof of `aquifer export airflow`: Airflow itself (3.3, the pinned venv, SQLite, no
 * services) runs the exported DAG with `airflow dags test` on a project with a source table and
 * a three-step chain, two steps partitioned by day; a copy of the project run by
 * `aquifer run --with-upstream` for the same day must end with the same rows, the same table
 * versions and the same runs, those of the DAG recorded with the trigger "airflow".
 */
const ASSETS = [
  {
    name: 'clean_events',
    kind: 'sql',
    sql: 'SELECT id, day, channel, amount FROM events WHERE amount >= 0',
    schedule: { cron: '0 3 * * *' },
  },
  {
    name: 'channel_days',
    kind: 'sql',
    sql: 'SELECT day, channel, sum(amount) AS total FROM clean_events GROUP BY day, channel',
    partitions: { type: 'daily', column: 'day', start: '2024-05-01' },
  },
  {
    name: 'day_summary',
    kind: 'sql',
    sql: 'SELECT day, sum(total) AS total, count(*) AS channels FROM channel_days GROUP BY day',
    partitions: { type: 'daily', column: 'day', start: '2024-05-01' },
  },
];
const TABLES = ['clean_events', 'channel_days', 'day_summary'];
const DAY = '2024-05-02';

let engine: Engine;
/** Run by Airflow; its folder has characters the DAG file must quote for the shell, Jinja and Python. */
let byAirflow: string;
/** Run by `aquifer run --with-upstream`. */
let byAquifer: string;
let airflowHome: string;

async function makeProject(dir: string, using: Engine = engine): Promise<void> {
  expect((await runCli(['init', dir])).code).toBe(0);
  await DeltaTable.create(path.join(dir, 'tables', 'events'), { engine: using, data: { sql: EVENTS_SQL } });
  await mkdir(path.join(dir, 'pipelines'));
  await writeFile(path.join(dir, 'pipelines', 'shop.json'), JSON.stringify({ assets: ASSETS }));
}

const aquifer = async (...args: string[]) => {
  const result = await runCli(args, { env: { AQUIFER_LOG_LEVEL: 'warn' } });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return result.stdout;
};

async function rows(project: string, table: string): Promise<Record<string, unknown>[]> {
  const scan = await (await DeltaTable.open(path.join(project, 'tables', table), { engine })).scan();
  return engine.queryJson(`SELECT * REPLACE (day::VARCHAR AS day) FROM (${await scan.sql()}) ORDER BY ALL`);
}

async function runs(project: string): Promise<AssetRun[]> {
  const listed = JSON.parse(await aquifer('runs', 'list', '--project', project, '--format', 'json')) as AssetRun[];
  return listed.reverse();
}

describe.skipIf(!airflowAvailable())('aquifer export airflow, run by airflow dags test', () => {
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    const root = await tempDir('aquifer-airflow-proof-');
    byAirflow = path.join(root, `it's {{ ds }} $HOME`, 'shop');
    byAquifer = path.join(root, 'reference', 'shop');
    airflowHome = path.join(root, 'airflow');
    await mkdir(path.dirname(byAirflow), { recursive: true });
    await mkdir(path.dirname(byAquifer), { recursive: true });
    await Promise.all([makeProject(byAirflow), makeProject(byAquifer)]);
    await mkdir(path.join(airflowHome, 'dags'), { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await engine?.close();
  });

  /** Airflow in its own home: SQLite metadata, no example DAGs, the dags folder the export wrote to. */
  const airflow = (...args: string[]) =>
    runProcess(airflowBin(), args, {
      AIRFLOW_HOME: airflowHome,
      AIRFLOW__CORE__DAGS_FOLDER: path.join(airflowHome, 'dags'),
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      AQUIFER_LOG_LEVEL: 'warn',
    });

  it('writes the DAG file: a task per asset, the chain as edges, the schedule', async () => {
    const file = path.join(airflowHome, 'dags', 'shop.py');
    const written = JSON.parse(await aquifer('export', 'airflow', '-o', file, '--dag-id', 'aquifer_proof', '--project', byAirflow, '--format', 'json')) as {
      dags: { dagId: string; schedule?: string; timezone: string; tasks: string[] }[];
    };
    expect(written.dags).toEqual([{ dagId: 'aquifer_proof', schedule: '0 3 * * *', timezone: 'UTC', tasks: TABLES }]);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('asset_clean_events >> asset_channel_days\n    asset_channel_days >> asset_day_summary\n');
  });

  it('airflow dags test runs it: the same rows, versions and runs as aquifer run --with-upstream, triggered by airflow', async () => {
    const migrated = await airflow('db', 'migrate');
    expect(migrated.code, migrated.stderr).toBe(0);
    const tested = await airflow('dags', 'test', 'aquifer_proof', DAY);
    expect(tested.code, `${tested.stdout}\n${tested.stderr}`).toBe(0);
    expect(tested.stdout + tested.stderr).toMatch(/DagRun Finished: dag_id=aquifer_proof.*state=success/);

    await aquifer('run', 'day_summary', '--with-upstream', '--partition', DAY, '--project', byAquifer);

    for (const table of TABLES) expect(await rows(byAirflow, table), table).toEqual(await rows(byAquifer, table));
    const summary = await rows(byAirflow, 'day_summary');
    expect(summary.map((r) => r['day'])).toEqual([DAY]);

    const shape = (run: AssetRun) => ({ asset: run.asset, partition: run.partition, status: run.status, inputs: run.inputs, outputVersion: run.outputVersion });
    const airflowRuns = await runs(byAirflow);
    const aquiferRuns = await runs(byAquifer);
    expect(airflowRuns.map(shape)).toEqual(aquiferRuns.map(shape));
    expect(airflowRuns.map((r) => [r.asset, r.partition, r.trigger])).toEqual([
      ['clean_events', undefined, 'airflow'],
      ['channel_days', DAY, 'airflow'],
      ['day_summary', DAY, 'airflow'],
    ]);
    expect(aquiferRuns.every((r) => r.trigger === 'manual')).toBe(true);
  }, 300_000);
});

describe('aquifer export airflow refusals', () => {
  it('exits 1 with ASSET_EXPORT_INVALID for a DAG id Airflow refuses and a file that cannot be written', async () => {
    const own = await Engine.create({ threads: 1 });
    const project = path.join(await tempDir('aquifer-airflow-refusals-'), 'shop');
    try {
      await makeProject(project, own);
    } finally {
      await own.close();
    }
    const badId = await runCli(['export', 'airflow', '-o', path.join(project, 'dag.py'), '--dag-id', 'my dag', '--project', project]);
    expect([badId.code, badId.stderr]).toEqual([1, expect.stringContaining('ASSET_EXPORT_INVALID')]);
    const unwritable = await runCli(['export', 'airflow', '-o', path.join(project, 'no such folder', 'dag.py'), '--project', project]);
    expect([unwritable.code, unwritable.stderr]).toEqual([1, expect.stringContaining('ASSET_EXPORT_INVALID')]);
  });
});
