import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LineageLog, type OpenLineageRunEvent } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

let dir: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-lineage-');
  await writeFile(path.join(dir, 'day1.csv'), 'id,amount\n1,10\n2,20\n');
  await writeFile(path.join(dir, 'day2.csv'), 'id,amount\n3,30\n');
});

describe('aquifer lineage events', () => {
  it('prints the runs of earlier commands in the project, jsonl exactly as stored and sent', async () => {
    const project = path.join(dir, 'shop');
    expect((await runCli(['init', project])).code).toBe(0);
    const created = await runCli(['table', 'create', 'orders', '--project', project, '--from', path.join(dir, 'day1.csv')]);
    expect(created.code, created.stderr).toBe(0);
    // By path, from inside the project: still the project's.
    const appended = await runCli(['table', 'append', path.join(project, 'tables', 'orders'), '--from', path.join(dir, 'day2.csv')], { cwd: project });
    expect(appended.code, appended.stderr).toBe(0);

    const jsonl = await runCli(['lineage', 'events', '--project', project, '--format', 'jsonl']);
    expect(jsonl.code, jsonl.stderr).toBe(0);
    const lines = jsonl.stdout.trimEnd().split('\n');
    const engine = await Engine.create({ threads: 1 });
    try {
      expect(lines).toEqual(await LineageLog.forProject(await Project.open(project), engine).texts());
    } finally {
      engine.close();
    }
    const events = lines.map((line) => JSON.parse(line) as OpenLineageRunEvent);
    expect(events.map((e) => `${e.job.namespace} ${e.job.name} ${e.eventType}`)).toEqual([
      'shop table.create.orders START',
      'shop table.create.orders COMPLETE',
      'shop table.append.orders START',
      'shop table.append.orders COMPLETE',
    ]);

    const json = await runCli(['lineage', 'events', '--project', project, '--format', 'json', '--job', 'table.append.orders']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual(events.slice(2));

    const run = await runCli(['lineage', 'events', '--project', project, '--format', 'json', '--run', events[0]!.run.runId]);
    expect(JSON.parse(run.stdout)).toEqual(events.slice(0, 2));

    const since = await runCli(['lineage', 'events', '--project', project, '--format', 'jsonl', '--since', events[2]!.eventTime]);
    expect(since.stdout.trimEnd().split('\n')).toEqual(lines.slice(2));

    const table = await runCli(['lineage', 'events', '--project', project]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain('table.append.orders');
  });

  it('refuses a --since that is not a time, with its code', async () => {
    const project = path.join(dir, 'since');
    expect((await runCli(['init', project])).code).toBe(0);
    const result = await runCli(['lineage', 'events', '--project', project, '--since', 'yesterday']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LINEAGE_FILTER_INVALID');
  });

  it('records nothing for a project with lineage.enabled false', async () => {
    const project = path.join(dir, 'quiet');
    expect((await runCli(['init', project])).code).toBe(0);
    const file = path.join(project, 'aquifer.json');
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), lineage: { enabled: false } }));
    expect((await runCli(['table', 'create', 'orders', '--project', project, '--from', path.join(dir, 'day1.csv')])).code).toBe(0);
    const result = await runCli(['lineage', 'events', '--project', project, '--format', 'jsonl']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
  });

  it('has help', async () => {
    const result = await runCli(['lineage', 'events', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--format <format>');
    expect(result.stdout).toContain('--since <time>');
  });
});
