import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LineageLog, type LineageResult } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';
import { pipelineEvents } from '../lineage/graph/pipeline-fixture.js';

let dir: string;
let events: string;
let project: string;

beforeAll(async () => {
  dir = await tempDir('aquifer-cli-lineage-');
  events = path.join(dir, 'events.jsonl');
  await writeFile(
    events,
    pipelineEvents()
      .map((e) => `${JSON.stringify(e)}\n`)
      .join(''),
  );
  project = (await Project.init(path.join(dir, 'project'))).root;
  const engine = await Engine.create({ threads: 1 });
  try {
    const opened = await Project.open(project);
    await LineageLog.forProject(opened, engine).append(pipelineEvents());
    opened.close();
  } finally {
    engine.close();
  }
});

describe('aquifer lineage', () => {
  it('upstream of a model version answers JSON nodes and edges down to files and offsets, and writes DOT and SVG', async () => {
    const dot = path.join(dir, 'model.dot');
    const svg = path.join(dir, 'model.svg');
    const result = await runCli(['lineage', 'upstream', 'model:churn@1', '--events', events, '--format', 'json', '--dot', dot, '--svg', svg]);
    expect(result.code, result.stderr).toBe(0);
    const graph = JSON.parse(result.stdout) as LineageResult;
    expect(graph.nodes.filter((n) => n.type === 'file').map((n) => n.path)).toEqual(['/data/a.csv', '/data/b.csv', '/data/fix.csv']);
    expect(graph.nodes.find((n) => n.id === 'table:trips@4')).toMatchObject({ type: 'table', name: 'trips', version: '4', path: '/proj/tables/trips' });
    expect(await readFile(dot, 'utf8')).toContain('"table:trips@3" -> "table:trips@4"');
    expect(await readFile(svg, 'utf8')).toContain('<svg');
  });

  it('downstream of a file prints a tree from the file out to the model and predictions', async () => {
    const result = await runCli(['lineage', 'downstream', '/data/b.csv', '--events', events]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('file b.csv (/data/b.csv, 101 B, sha256 bbbbbbbbbbbb)');
    expect(result.stdout).toContain('model churn@1');
    expect(result.stdout).toContain('predictions churn__predictions@1');
    expect(result.stdout).not.toContain('trips@1');
  });

  it('impact of a column lists what reads it', async () => {
    const result = await runCli(['lineage', 'impact', 'trips.distance', '--events', events, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const graph = JSON.parse(result.stdout) as LineageResult;
    expect(graph.nodes.filter((n) => n.type === 'model' || n.type === 'training-set').map((n) => n.id)).toEqual([
      'model:churn@1',
      'training-set:driver_training@1',
    ]);
  });

  it("reads the project's lineage log when no --events file is given", async () => {
    const result = await runCli(['lineage', 'upstream', 'trips@2', '--project', project, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const graph = JSON.parse(result.stdout) as LineageResult;
    expect(graph.nodes.filter((n) => n.type === 'file').map((n) => n.path)).toEqual(['/data/a.csv', '/data/b.csv']);
  });

  it('leaves a snapshot of the graph that the next call answers from, the same', async () => {
    const ask = (...args: string[]) => runCli(['lineage', ...args, '--project', project, '--format', 'json']);
    const first = await ask('upstream', 'model:churn@1');
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(path.join(project, '.aquifer', 'lineage-graph', 'graph.snapshot'))).toBe(true);
    const again = await ask('upstream', 'model:churn@1');
    expect(again.stdout).toBe(first.stdout);
    const fromEvents = await runCli(['lineage', 'downstream', '/data/b.csv', '--events', events, '--format', 'json']);
    expect((await ask('downstream', '/data/b.csv')).stdout).toBe(fromEvents.stdout);
  });

  it('refuses an unknown node with a typed error and exit 1', async () => {
    const result = await runCli(['lineage', 'upstream', 'model:churn@7', '--events', events]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LINEAGE_NODE_NOT_FOUND');
  });

  it('documents the node forms in --help', async () => {
    const result = await runCli(['lineage', 'upstream', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('model:NAME@VERSION');
    expect(result.stdout).toContain('--svg <file>');
  });
});
