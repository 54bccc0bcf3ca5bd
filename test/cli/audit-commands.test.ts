import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type AuditEntry } from '../../src/audit/index.js';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});

afterAll(() => engine.close());

describe('aquifer audit list', () => {
  it('lists each CLI write once, with the OS user, command, table, version, rows and exit code; a read leaves nothing', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-audit-cli-'), 'shop'), 'shop');
    const csv = path.join(project.root, 'orders.csv');
    await writeFile(csv, 'id,secret\n1,planted-cli-secret\n2,planted-cli-secret\n3,planted-cli-secret\n');
    const create = await runCli(['table', 'create', 'orders', '--from', csv, '--project', project.root]);
    expect(create.code, create.stderr).toBe(0);
    const del = await runCli(['table', 'delete', 'orders', '--where', 'id = 3', '--project', project.root]);
    expect(del.code, del.stderr).toBe(0);
    const failed = await runCli(['table', 'append', 'orders', '--from', path.join(project.root, 'missing.csv'), '--project', project.root]);
    expect(failed.code).toBe(1);
    const read = await runCli(['table', 'read', 'orders', '--project', project.root]);
    expect(read.code, read.stderr).toBe(0);

    const listed = await runCli(['audit', 'list', '--project', project.root, '--table', 'orders', '--format', 'json']);
    expect(listed.code, listed.stderr).toBe(0);
    const entries = (JSON.parse(listed.stdout) as { entries: (Omit<AuditEntry, 'time'> & { time: string })[] }).entries;
    expect(entries.map((e) => `${e.action} ${e.status}`)).toEqual(['table append 1', 'table delete 0', 'table create 0']);
    const user = os.userInfo().username;
    expect(entries[2]).toMatchObject({ source: 'cli', principal: user, principalKind: 'os-user', table: 'orders', version: 0, rows: 3 });
    expect(entries[1]).toMatchObject({ table: 'orders', version: 1 });
    // A delete's commit counts the rows of the files it rewrote, not those it deleted: no row count is claimed.
    expect(entries[1]?.rows).toBeUndefined();
    expect(entries[0]?.errorCode).toBeDefined();
    expect(entries[0]?.version).toBeUndefined();
    // Arguments are not kept: the file path and the predicate are nowhere in an entry.
    expect(listed.stdout).not.toContain('missing.csv');
    expect(listed.stdout).not.toContain('id = 3');

    const limited = await runCli(['audit', 'list', '--project', project.root, '--limit', '1', '--principal', user, '--format', 'json']);
    expect((JSON.parse(limited.stdout) as { entries: unknown[] }).entries).toHaveLength(1);
    const future = await runCli(['audit', 'list', '--project', project.root, '--since', '2999-01-01T00:00:00Z']);
    expect(future.stdout).toContain('(no audit entries)');
    const text = await runCli(['audit', 'list', '--project', project.root]);
    expect(text.stdout).toContain('table delete');
    const bad = await runCli(['audit', 'list', '--project', project.root, '--since', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(await AuditLog.forProject(project, engine).list()).toHaveLength(3);

    // Who made a token is audited; the token itself is nowhere in the log.
    const token = await runCli(['tokens', 'create', '--role', 'reader', '--project', project.root, '--format', 'json']);
    expect(token.code, token.stderr).toBe(0);
    const [made] = await AuditLog.forProject(project, engine).list({ limit: 1 });
    expect(made).toMatchObject({ action: 'tokens create', principal: user, status: 0 });
    expect(JSON.stringify(made)).not.toContain((JSON.parse(token.stdout) as { token: string }).token);
  });
});
