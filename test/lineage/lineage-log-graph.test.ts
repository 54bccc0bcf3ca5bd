import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { graphRun, LineageGraph, LineageGraphCache, LineageLog, type OpenLineageRunEvent } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable, field, openOrCreateTable, primitive, struct } from '../../src/table/index.js';
import { pipelineEvents } from './graph/pipeline-fixture.js';
import { tempDir } from '../support/temp.js';

/** The log's columns before the graph column existed. */
const OLD_SCHEMA = struct([
  field('sequence', primitive('long'), false),
  field('event_time', primitive('timestamp'), false),
  field('event_type', primitive('string'), false),
  field('run_id', primitive('string'), false),
  field('job_namespace', primitive('string'), false),
  field('job_name', primitive('string'), false),
  field('event', primitive('string'), false),
]);

const completedRuns = (events: readonly OpenLineageRunEvent[]) => events.filter((e) => e.eventType === 'COMPLETE').map(graphRun);

describe('LineageLog, as the lineage graph reads it', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  it('reads the completed runs from the graph column, in order, the same as from the whole events', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-graph-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    expect(await log.runs()).toEqual({ runs: [], version: -1 });
    const events = pipelineEvents();
    await log.append(events.slice(0, 9));
    await log.append(events.slice(9));
    const { runs, version } = await log.runs();
    expect(runs).toEqual(completedRuns(events));
    // Version 0 created the log; each append is one commit.
    expect(version).toBe(2);
  });

  it('answers from a log written before the graph column, and after its next append adds the column', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-graph-old-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = pipelineEvents();
    const old = events.slice(0, 10);
    // Rows as the log held them before the graph column: the event and its filter columns only.
    const table = await openOrCreateTable(log.location, engine, OLD_SCHEMA, { stores: project.stores });
    await table.append({
      rows: old.map((event, sequence) => ({
        sequence,
        event_time: event.eventTime,
        event_type: event.eventType,
        run_id: event.run.runId,
        job_namespace: event.job.namespace,
        job_name: event.job.name,
        event: JSON.stringify(event),
      })),
    });
    expect((await LineageLog.forProject(project, engine).runs()).runs).toEqual(completedRuns(old));

    await LineageLog.forProject(project, engine).append(events.slice(10));
    const schema = (await (await DeltaTable.open(log.location, { engine })).snapshot()).schema;
    expect(schema.fields.map((f) => f.name)).toContain('graph');
    const reopened = LineageLog.forProject(project, engine);
    expect((await reopened.runs()).runs).toEqual(completedRuns(events));
    expect(await reopened.events()).toEqual(events);
    expect(LineageGraph.fromRuns((await reopened.runs()).runs).upstream('model:churn@1')).toEqual(LineageGraph.fromEvents(events).upstream('model:churn@1'));
  });

  it('reads only the runs appended after a version, and nothing when the log has not moved', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-graph-tail-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = pipelineEvents();
    await log.append(events.slice(0, 12));
    const { version, digest } = await log.runs();
    expect(digest).toMatch(/^[0-9a-f]{40}$/);
    expect(await log.runsAfter(version, digest)).toEqual({ runs: [], version, digest });
    await log.append(events.slice(12, 20));
    await log.append(events.slice(20));
    const tail = await log.runsAfter(version, digest);
    expect(tail).toMatchObject({ runs: completedRuns(events.slice(12)), version: version + 2 });
    expect(tail?.digest).not.toBe(digest);
    expect(await log.runsAfter(version)).toEqual(tail);
  });

  it('reads no tail after a version whose commit is not the one the caller read (the log made anew)', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-graph-anew-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = pipelineEvents();
    await log.append(events.slice(0, 12));
    const { version } = await log.runs();
    expect(await log.runsAfter(version, 'f'.repeat(40))).toBeUndefined();
    await log.append(events.slice(12));
    expect(await log.runsAfter(version, 'f'.repeat(40))).toBeUndefined();
  });

  it('keeps a graph that sees runs logged after it was built, and is built again when rows were deleted', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-graph-cache-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = pipelineEvents();
    await log.append(events.slice(0, 12));
    const cache = new LineageGraphCache(LineageLog.forProject(project, engine));
    const before = await cache.graph();
    expect(before.node('model:churn@1')).toBeUndefined();
    await log.append(events.slice(12));
    const after = await cache.graph();
    expect(after.upstream('model:churn@1')).toEqual(LineageGraph.fromEvents(events).upstream('model:churn@1'));

    const last = events.filter((e) => e.eventType === 'COMPLETE').at(-1) as OpenLineageRunEvent;
    await (await DeltaTable.open(log.location, { engine })).delete(`run_id = '${last.run.runId}'`);
    const rebuilt = await cache.graph();
    expect(rebuilt.node(`run:${last.run.runId}`)).toBeUndefined();
    expect(rebuilt.upstream('model:churn@1')).toEqual(LineageGraph.fromEvents(await log.events()).upstream('model:churn@1'));
  });
});
