import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { runCli } from '../support/cli.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const CSV = path.join(REPO_ROOT, 'data', 'demo', 'events-2024-05-01.csv');
let dir: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-project-');
});

describe('aquifer init', () => {
  it('creates a project that opens, and leaves an existing one as it is', async () => {
    const root = path.join(dir, 'new-project');
    const created = await runCli(['init', root, '--format', 'json']);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ root, config: { name: 'new-project', backends: { tableStorage: 'local' } } });
    expect((await Project.open(root)).config.name).toBe('new-project');
    const config = await readFile(path.join(root, 'aquifer.json'), 'utf8');
    expect((await runCli(['init', root, '--name', 'other'])).code).toBe(0);
    expect(await readFile(path.join(root, 'aquifer.json'), 'utf8')).toBe(config);
  });

  it('creates the working folder as a project without an argument', async () => {
    const root = path.join(dir, 'here');
    await mkdir(root);
    expect((await runCli(['init'], { cwd: root })).code).toBe(0);
    expect((await Project.open(root)).config.name).toBe('here');
  });
});

describe('table names inside a project', () => {
  it('resolve a bare name to tables/<name>, from the project folder or with --project', async () => {
    const root = path.join(dir, 'named');
    expect((await runCli(['init', root])).code).toBe(0);
    const created = await runCli(['table', 'create', 'events', '--from', CSV, '--format', 'json'], { cwd: root });
    expect(created.code, created.stderr).toBe(0);
    const project = await Project.open(root);
    expect((await runCli(['table', 'describe', project.tablePath('events'), '--format', 'json'])).code).toBe(0);

    const read = await runCli(['table', 'read', 'events', '--project', root, '--limit', '2', '--format', 'json']);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout)).toHaveLength(2);
    const history = await runCli(['table', 'history', 'events', '--format', 'json'], { cwd: root });
    expect(history.code, history.stderr).toBe(0);
  });

  it('keep paths as paths, and a bare name outside a project relative to the working folder', async () => {
    const root = path.join(dir, 'paths');
    expect((await runCli(['init', root])).code).toBe(0);
    expect((await runCli(['table', 'create', './tables/events', '--from', CSV], { cwd: root })).code).toBe(0);
    // The same table through its path from the project folder, and by a bare folder name from tables/.
    expect((await runCli(['table', 'describe', 'tables/events'], { cwd: root })).code).toBe(0);
    expect((await runCli(['table', 'describe', 'events'], { cwd: path.join(root, 'tables') })).code).toBe(0);
    const outside = await runCli(['table', 'describe', 'events'], { cwd: dir });
    expect(outside.code).toBe(1);
    expect(outside.stderr).toContain('TABLE_NOT_FOUND');
  });

  it('refuse a --project that is not a project, and a name the project rules reject', async () => {
    const missing = await runCli(['table', 'read', 'events', '--project', path.join(dir, 'nowhere')], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('PROJECT_NOT_FOUND');
    const root = path.join(dir, 'rules');
    expect((await runCli(['init', root])).code).toBe(0);
    const bad = await runCli(['table', 'read', '_delta_log$'], { cwd: root });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PROJECT_TABLE_NAME_INVALID');
  });

  it("read one of Aquifer's own tables by name, and refuse to write it", async () => {
    const root = path.join(dir, 'internal');
    expect((await runCli(['init', root])).code).toBe(0);
    const project = await Project.open(root);
    const engine = await Engine.create({ threads: 1 });
    try {
      await DeltaTable.create(project.tablePath('churn__predictions', { internal: true }), {
        engine,
        data: { sql: `SELECT 'r1' AS request_id, 0::BIGINT AS row_index, '1' AS prediction` },
      });
    } finally {
      await engine.close();
    }
    for (const command of ['read', 'describe', 'history']) {
      const read = await runCli(['table', command, 'churn__predictions', '--format', 'json'], { cwd: root });
      expect(read.code, `${command}: ${read.stderr}`).toBe(0);
    }
    for (const args of [
      ['table', 'append', 'churn__predictions', '--from', CSV],
      ['table', 'create', 'churn__feedback', '--from', CSV],
      ['table', 'delete', 'churn__predictions', '--where', 'true'],
      ['ingest', 'file', 'churn__feedback', CSV],
    ]) {
      const write = await runCli(args, { cwd: root });
      expect(write.code, args.join(' ')).toBe(1);
      expect(write.stderr).toContain('PROJECT_TABLE_NAME_RESERVED');
    }
    expect(existsSync(path.join(root, 'tables', 'churn__feedback'))).toBe(false);
  });
});
