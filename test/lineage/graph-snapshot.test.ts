import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import {
  graphRun,
  GraphSnapshotFile,
  LineageGraph,
  LineageGraphCache,
  LineageLog,
  SNAPSHOT_AFTER_COMMITS,
  toRunEvent,
  type OpenLineageRunEvent,
} from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { pipelineEvents } from './graph/pipeline-fixture.js';
import { tempDir } from '../support/temp.js';

const QUESTIONS: [string, (g: LineageGraph) => unknown][] = [
  ['upstream model', (g) => g.upstream('model:churn@1')],
  ['upstream table version', (g) => g.upstream('trips@4')],
  ['upstream table', (g) => g.upstream('trips')],
  ['downstream file', (g) => g.downstream('/data/b.csv')],
  ['downstream stream', (g) => g.downstream('kafka:trips:0:0-99')],
  ['downstream table', (g) => g.downstream('trips@2')],
  ['downstream column', (g) => g.downstream('trips.fare')],
  ['impact', (g) => g.impact('trips.fare')],
];

/** Each answer, or the code of the error it failed with (a graph without the model cannot answer for it, with or without a snapshot). */
function answers(graph: LineageGraph): [string, unknown][] {
  return QUESTIONS.map(([name, ask]) => {
    try {
      return [name, ask(graph)];
    } catch (error) {
      return [name, (error as { code?: string }).code ?? String(error)];
    }
  });
}

/** A run of its own table, to move the log on by one commit. */
function otherRun(n: number): OpenLineageRunEvent {
  const time = new Date(Date.parse('2026-03-01T00:00:00Z') + n * 1000);
  const output = { namespace: 'file', name: '/proj/tables/other', kind: 'table' as const, version: String(n), versions: [n] };
  return toRunEvent(
    {
      runId: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`,
      job: { name: 'table.write.other', type: 'WRITE' },
      startedAt: time,
      time,
      state: 'COMPLETE',
      inputs: [],
      outputs: [output],
    },
    { namespace: 'demo' },
  );
}

describe('the lineage graph snapshot', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  /** What a new process answers: a new cache over the project's log and snapshot, its snapshot written before it ends. */
  async function fresh(project: Project): Promise<[string, unknown][]> {
    const cache = LineageGraphCache.forProject(project, engine);
    const result = answers(await cache.graph());
    await cache.close();
    return result;
  }
  /** What the log holds, read whole, with no snapshot. */
  const expected = async (project: Project) => answers(LineageGraph.fromEvents(await LineageLog.forProject(project, engine).events()));
  const snapshotOf = (project: Project) => GraphSnapshotFile.forProject(project);
  const logVersion = async (project: Project) => (await LineageLog.forProject(project, engine).runs()).version;

  it('answers the same with no snapshot, a fresh one, one older than the log, a corrupt one, and after the log was made anew', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-snapshot-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = pipelineEvents();
    await log.append(events.slice(0, 12));

    // No snapshot: built from the log, then saved.
    await expect(snapshotOf(project).read()).resolves.toBeUndefined();
    expect(await fresh(project)).toEqual(await expected(project));
    expect((await snapshotOf(project).read())?.version).toBe(await logVersion(project));

    // A fresh snapshot.
    expect(await fresh(project)).toEqual(await expected(project));

    // Older than the log: the model and its training set came after it.
    await log.append(events.slice(12, 20));
    await log.append(events.slice(20));
    expect(await fresh(project)).toEqual(await expected(project));
    expect(await fresh(project)).toEqual(answers(LineageGraph.fromEvents(events)));

    // Corrupt, cut short, empty, or of another format: ignored, and written anew.
    const file = snapshotOf(project).file;
    const good = await readFile(file);
    const flipped = Buffer.from(good);
    flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] as number) ^ 0xff;
    const otherFormat = Buffer.from(good);
    otherFormat.writeUInt32LE(999, 8);
    for (const damaged of [flipped, good.subarray(0, good.length - 100), good.subarray(0, 10), Buffer.alloc(0), Buffer.from('not a snapshot'), otherFormat]) {
      await writeFile(file, damaged);
      expect(await fresh(project)).toEqual(await expected(project));
      expect((await snapshotOf(project).read())?.version).toBe(await logVersion(project));
    }

    // The log deleted and made anew with other runs, to a later version than the snapshot's.
    await rm(log.location, { recursive: true, force: true });
    const remade = LineageLog.forProject(project, engine);
    for (let n = 0; n < 6; n++) await remade.append([otherRun(n)]);
    expect(await logVersion(project)).toBeGreaterThan((await snapshotOf(project).read())?.version ?? Infinity);
    expect(await fresh(project)).toEqual(await expected(project));
    expect((await fresh(project))[0]).toEqual(['upstream model', 'LINEAGE_NODE_NOT_FOUND']);

    // Made anew again, shorter: the snapshot is ahead of the log.
    const ahead = (await snapshotOf(project).read())?.version ?? 0;
    await rm(log.location, { recursive: true, force: true });
    await LineageLog.forProject(project, engine).append(events.slice(0, 8));
    expect(await logVersion(project)).toBeLessThan(ahead);
    expect(await fresh(project)).toEqual(await expected(project));
  });

  it('answers after the log was restored to an earlier version', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-snapshot-restore-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = pipelineEvents();
    await log.append(events.slice(0, 12));
    await log.append(events.slice(12));
    expect(await fresh(project)).toEqual(answers(LineageGraph.fromEvents(events)));
    await (await DeltaTable.open(log.location, { engine })).restore({ version: 1 });
    expect(await fresh(project)).toEqual(answers(LineageGraph.fromEvents(events.slice(0, 12))));
  });

  it("answers from the snapshot that holds the log's version, extended by the runs logged after it", async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-snapshot-used-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = pipelineEvents();
    await log.append(events);
    const { version, digest } = await log.runs();
    // A snapshot of part of the runs, tagged with the log's version: only a graph read from it lacks the model.
    const part = LineageGraph.fromRuns(
      events
        .slice(0, 12)
        .filter((e) => e.eventType === 'COMPLETE')
        .map(graphRun),
    );
    await snapshotOf(project).write(part, { version, digest: digest as string });
    const cache = LineageGraphCache.forProject(project, engine);
    expect((await cache.graph()).node('model:churn@1')).toBeUndefined();

    await log.append([otherRun(0)]);
    const extended = await LineageGraphCache.forProject(project, engine).graph();
    expect(extended.node('model:churn@1')).toBeUndefined();
    expect(extended.node('table:other@0')).toBeDefined();
  });

  it(`is written again once the graph was extended by ${SNAPSHOT_AFTER_COMMITS} commits since it, not before`, async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-snapshot-due-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    await log.append(pipelineEvents());
    await fresh(project);
    const saved = await logVersion(project);
    for (let n = 0; n < SNAPSHOT_AFTER_COMMITS - 1; n++) await log.append([otherRun(n)]);
    await fresh(project);
    expect((await snapshotOf(project).read())?.version).toBe(saved);
    await log.append([otherRun(SNAPSHOT_AFTER_COMMITS)]);
    expect(await fresh(project)).toEqual(await expected(project));
    expect((await snapshotOf(project).read())?.version).toBe(saved + SNAPSHOT_AFTER_COMMITS);
  });

  it('reads as none when any byte of it changed, in its header or its body', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-snapshot-bytes-'), 'demo');
    const file = snapshotOf(project);
    const graph = LineageGraph.fromEvents(pipelineEvents());
    await file.write(graph, { version: 3, digest: 'd'.repeat(40) });
    const good = await readFile(file.file);
    expect(answers((await file.read())?.graph as LineageGraph)).toEqual(answers(graph));
    // Every byte of the preamble and header, then bytes spread over the body.
    const headerEnd = 20 + good.readUInt32LE(12);
    const positions = [
      ...Array.from({ length: headerEnd }, (_, i) => i),
      ...Array.from({ length: 64 }, (_, i) => headerEnd + Math.floor(((good.length - headerEnd) * i) / 64)),
    ];
    for (const at of positions) {
      const changed = Buffer.from(good);
      changed[at] = (changed[at] as number) ^ 0x01;
      await writeFile(file.file, changed);
      expect(await file.read(), `byte ${at}`).toBeUndefined();
    }
  });

  it('is one whole snapshot after writers race, with no temporary files left', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-snapshot-race-'), 'demo');
    const runs = pipelineEvents()
      .filter((e) => e.eventType === 'COMPLETE')
      .map(graphRun);
    const file = snapshotOf(project);
    await Promise.all(runs.map((_, n) => new GraphSnapshotFile(file.file).write(LineageGraph.fromRuns(runs.slice(0, n + 1)), { version: n, digest: `d${n}` })));
    const read = await file.read();
    expect(read).toBeDefined();
    const { graph, version } = read as NonNullable<typeof read>;
    expect(answers(graph)).toEqual(answers(LineageGraph.fromRuns(runs.slice(0, version + 1))));
    expect(await readdir(path.dirname(file.file))).toEqual([path.basename(file.file)]);
  });
});
