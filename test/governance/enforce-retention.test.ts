import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, auditLogLocation } from '../../src/audit/index.js';
import { Engine } from '../../src/engine/index.js';
import { enforceRetention, tagColumns } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { deltaExtensionAvailable, duckdbExtensionDirectory } from '../support/duckdb-extensions.js';
import { assertRead, referencePython, referenceReadersAvailable, ReferenceReaders } from '../support/reference-readers.js';
import { tempDir } from '../support/temp.js';

/** Retention counts back from a frozen now. */
const NOW = new Date('2026-06-30T12:00:00Z');
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000).toISOString();

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine.close());

/**
 * A project with three rules: `events` (partitioned, copy-on-write) keeps 30 days by `ts`;
 * every table with a `pii` column keeps 90 days by its `seen_at` (`users`, with deletion vectors,
 * whose tagged birth date is never used to age rows; `notes`, which has no `seen_at`, is skipped); the
 * audit log keeps 7 days.
 */
async function retentionProject(): Promise<Project> {
  const dir = path.join(await tempDir('aquifer-retention-'), 'shop');
  const initial = await Project.init(dir, 'shop');
  const file = path.join(initial.root, 'aquifer.json');
  const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  config['governance'] = { retention: { tables: [{ table: 'events', column: 'ts', days: 30 }], tags: [{ tag: 'pii', days: 90, column: 'seen_at' }] } };
  config['audit'] = { retentionDays: 7 };
  await writeFile(file, JSON.stringify(config));
  const project = await Project.open(dir);
  const rows = (values: string[]) => values.join(' UNION ALL ');
  await DeltaTable.create(project.tablePath('events'), {
    engine,
    partitionColumns: ['region'],
    data: {
      sql: rows(
        [
          [1, 'eu', 40],
          [2, 'eu', 31],
          [3, 'eu', 29],
          [4, 'us', 100],
          [5, 'us', 1],
        ].map(([id, region, age]) => `SELECT ${id} AS id, '${region}' AS region, TIMESTAMPTZ '${daysAgo(Number(age))}' AS ts`),
      ),
    },
  });
  const { table: users } = await DeltaTable.create(project.tablePath('users'), {
    engine,
    properties: { 'delta.enableDeletionVectors': 'true' },
    data: {
      sql: rows(
        [
          ['u1', 200],
          ['u2', 91],
          ['u3', 89],
          ['u4', 10],
        ].map(
          ([id, age]) =>
            `SELECT '${id}' AS user_id, '${id}@example.org' AS email, DATE '1990-01-01' AS birth_date, CAST(TIMESTAMPTZ '${daysAgo(Number(age))}' AS TIMESTAMP) AS seen_at`,
        ),
      ),
    },
  });
  await tagColumns(users, { email: ['pii:email'], birth_date: ['pii:birthdate'], seen_at: ['pii'] });
  const { table: notes } = await DeltaTable.create(project.tablePath('notes'), { engine, data: { sql: "SELECT 1 AS id, 'call Ann' AS body" } });
  await tagColumns(notes, { body: ['pii'] });
  const entry = (age: number, action: string) => ({
    time: new Date(daysAgo(age)),
    source: 'cli' as const,
    principal: 'ann',
    principalKind: 'os-user' as const,
    action,
    status: 0,
    durationMs: 5,
  });
  await AuditLog.forProject(project, engine).append([entry(30, 'table create'), entry(8, 'table append'), entry(1, 'table delete')]);
  return project;
}

async function ids(table: string, column: string): Promise<string[]> {
  const scan = await (await DeltaTable.open(table, { engine })).scan();
  const rows = await engine.queryJson(`SELECT CAST(${column} AS VARCHAR) AS id FROM (${await scan.sql()}) ORDER BY 1`);
  return rows.map((r) => String(r['id']));
}

describe('governance enforce: retention', () => {
  it('counts in a dry run, then deletes what is past each period, rewrites deletion-vector files, and reports it per table', async () => {
    const project = await retentionProject();
    const versions = async () => ({
      events: (await (await DeltaTable.open(project.tablePath('events'), { engine })).snapshot()).version,
      users: (await (await DeltaTable.open(project.tablePath('users'), { engine })).snapshot()).version,
    });
    const before = await versions();

    const dry = await enforceRetention(project, engine, { dryRun: true, now: NOW });
    expect(dry.dryRun).toBe(true);
    expect(Object.fromEntries(dry.tables.map((t) => [t.table, t.rowsExpired]))).toEqual({ events: 3, users: 2, '.aquifer/audit': 2 });
    expect(dry.tables.every((t) => t.rowsDeleted === 0 && t.version === undefined)).toBe(true);
    expect(dry.skipped).toEqual([expect.objectContaining({ table: 'notes', source: 'tag:pii' })]);
    expect(await versions()).toEqual(before);

    const report = await enforceRetention(project, engine, { now: NOW });
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table, t]));
    expect(byTable['events']).toMatchObject({ rowsExpired: 3, rowsDeleted: 3, version: before.events + 1 });
    expect(byTable['events']?.rewriteVersion).toBeUndefined();
    expect(byTable['events']?.rules).toEqual([{ source: 'table', column: 'ts', days: 30, cutoff: daysAgo(30) }]);
    expect(byTable['users']).toMatchObject({ rowsExpired: 2, rowsDeleted: 2, version: before.users + 1, rewriteVersion: before.users + 2 });
    expect(byTable['users']?.rules).toEqual([{ source: 'tag:pii', column: 'seen_at', days: 90, cutoff: daysAgo(90) }]);
    expect(byTable['.aquifer/audit']).toMatchObject({ rowsDeleted: 2 });

    expect(await ids(project.tablePath('events'), 'id')).toEqual(['3', '5']);
    expect(await ids(project.tablePath('users'), 'user_id')).toEqual(['u3', 'u4']);
    expect((await AuditLog.forProject(project, engine).list()).map((e) => e.action)).toEqual(['table delete']);
    // The delete's deletion vectors were folded away: every live file holds only live rows.
    const users = await (await DeltaTable.open(project.tablePath('users'), { engine })).snapshot();
    expect(users.files.filter((f) => f.deletionVector !== undefined)).toEqual([]);

    // Enforcing again finds nothing and commits nothing.
    const again = await enforceRetention(project, engine, { now: NOW });
    expect(again.tables.map((t) => t.rowsDeleted)).toEqual([0, 0, 0]);
    expect(await versions()).toEqual({ events: before.events + 1, users: before.users + 2 });

    if (await deltaExtensionAvailable()) {
      const reader = await Engine.create({ threads: 1, extensionDirectory: duckdbExtensionDirectory() });
      try {
        await reader.ensureExtension('delta');
        expect(await reader.query(`SELECT id FROM delta_scan('${project.tablePath('events')}') ORDER BY id`)).toEqual([{ id: 3 }, { id: 5 }]);
        expect(await reader.query(`SELECT user_id FROM delta_scan('${project.tablePath('users')}') ORDER BY 1`)).toEqual([
          { user_id: 'u3' },
          { user_id: 'u4' },
        ]);
        expect(await reader.query(`SELECT count(*)::INTEGER AS n FROM delta_scan('${auditLogLocation(project)}')`)).toEqual([{ n: 1 }]);
      } finally {
        reader.close();
      }
    }
    if (referenceReadersAvailable()) {
      const scratch = path.join(project.root, '..', 'reads');
      await mkdir(scratch, { recursive: true });
      const readers = new ReferenceReaders(referencePython() as string, scratch);
      // delta-rs's pyarrow reader refuses any table with the deletionVectors feature; its DataFusion reader reads them.
      for (const [table, column, expected, reader] of [
        ['events', 'id', ['3', '5'], 'deltalake'],
        ['users', 'user_id', ['u3', 'u4'], 'deltalake-sql'],
      ] as const) {
        const read = await readers.read(project.tablePath(table), reader);
        assertRead(read);
        const rows = await engine.queryJson(`SELECT CAST(${column} AS VARCHAR) AS id FROM read_parquet('${read.output}') ORDER BY 1`);
        expect(rows.map((r) => r['id'])).toEqual(expected);
      }
    }
  });

  it('refuses a table rule whose column is not a date or timestamp, with its code', async () => {
    const project = await retentionProject();
    const file = path.join(project.root, 'aquifer.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    config['governance'] = { retention: { tables: [{ table: 'events', column: 'region', days: 30 }] } };
    await writeFile(file, JSON.stringify(config));
    await expect(enforceRetention(await Project.open(project.root), engine, { now: NOW })).rejects.toMatchObject({ code: 'GOVERNANCE_RETENTION_INVALID' });
  });

  it('never ages rows by a tagged date the rule does not name: a tag rule without a column and no table rule skips the table', async () => {
    const project = await retentionProject();
    const file = path.join(project.root, 'aquifer.json');
    const config = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    config['governance'] = { retention: { tags: [{ tag: 'pii', days: 90 }] } };
    await writeFile(file, JSON.stringify(config));
    const report = await enforceRetention(await Project.open(project.root), engine, { now: NOW });
    expect(report.tables.filter((t) => t.table === 'users')).toEqual([]);
    expect(report.skipped).toEqual(expect.arrayContaining([expect.objectContaining({ table: 'users', source: 'tag:pii' })]));
    expect(await ids(project.tablePath('users'), 'user_id')).toEqual(['u1', 'u2', 'u3', 'u4']);
  });
});
