import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/index.js';
import { Engine } from '../../src/engine/index.js';
import type { RetentionReport } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine.close());

describe('aquifer governance enforce', () => {
  it('reports what a dry run would delete, deletes it, and is audited with the version it produced', async () => {
    const dir = path.join(await tempDir('aquifer-enforce-cli-'), 'shop');
    await Project.init(dir, 'shop');
    const file = path.join(dir, 'aquifer.json');
    await writeFile(
      file,
      JSON.stringify({
        ...(JSON.parse(await readFile(file, 'utf8')) as object),
        governance: { retention: { tables: [{ table: 'events', column: 'day', days: 30 }] } },
      }),
    );
    const project = await Project.open(dir);
    // Dates relative to the real now (the CLI does not freeze time): one a year old, one from today.
    await DeltaTable.create(project.tablePath('events'), {
      engine,
      data: { sql: 'SELECT 1 AS id, current_date - INTERVAL 365 DAY AS day UNION ALL SELECT 2, current_date' },
    });

    const dry = await runCli(['governance', 'enforce', '--dry-run', '--project', dir, '--format', 'json']);
    expect(dry.code, dry.stderr).toBe(0);
    expect((JSON.parse(dry.stdout) as RetentionReport).tables).toMatchObject([{ table: 'events', rowsExpired: 1, rowsDeleted: 0 }]);
    const text = await runCli(['governance', 'enforce', '--dry-run', '--project', dir]);
    expect(text.stdout).toContain('dry run: nothing was deleted');

    const done = await runCli(['governance', 'enforce', '--project', dir, '--format', 'json']);
    expect(done.code, done.stderr).toBe(0);
    expect((JSON.parse(done.stdout) as RetentionReport).tables).toMatchObject([{ table: 'events', rowsDeleted: 1, version: 1 }]);
    const entries = await AuditLog.forProject(project, engine).list();
    // The dry runs changed nothing but are still write commands: all three are audited.
    expect(entries.map((e) => e.action)).toEqual(['governance enforce', 'governance enforce', 'governance enforce']);
    expect(entries[0]).toMatchObject({ status: 0, table: 'events', version: 1, writes: [{ table: 'events', version: 1 }] });
    expect(entries[1]?.writes).toBeUndefined();
  });
});
