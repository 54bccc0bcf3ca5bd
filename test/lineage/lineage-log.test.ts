import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LineageLog, toRunEvent, type OpenLineageRunEvent } from '../../src/lineage/index.js';
import { onJobRun, withJobRun, type JobRunEvent } from '../../src/observe/index.js';
import { Project } from '../../src/project/index.js';
import { AUTO_COMPACT_MIN_FILES, DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

function runEvent(job: string, runId: string, eventType: OpenLineageRunEvent['eventType'], eventTime: string): OpenLineageRunEvent {
  return {
    eventTime,
    producer: 'https://example.com/test',
    schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
    eventType,
    run: { runId },
    job: { namespace: 'demo', name: job },
    inputs: [],
    outputs: [],
  };
}

describe('LineageLog', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  it('keeps events in the order they were appended, across appends and reopens', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-log-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    expect(await log.events()).toEqual([]);
    // Reading an empty project's lineage creates nothing.
    expect(existsSync(log.location)).toBe(false);
    const first = [
      runEvent('b.job', '00000000-0000-0000-0000-000000000002', 'START', '2026-01-01T00:00:02.000Z'),
      runEvent('a.job', '00000000-0000-0000-0000-000000000001', 'START', '2026-01-01T00:00:01.000Z'),
    ];
    const second = [runEvent('a.job', '00000000-0000-0000-0000-000000000001', 'COMPLETE', '2026-01-01T00:00:03.000Z')];
    await log.append(first);
    await log.append(second);
    // A second writer on the same project continues the numbering after the first one's events.
    const other = LineageLog.forProject(project, engine);
    const third = [runEvent('c.job', '00000000-0000-0000-0000-000000000003', 'FAIL', '2026-01-01T00:00:00.500Z')];
    await other.append(third);
    await log.append([runEvent('c.job', '00000000-0000-0000-0000-000000000003', 'START', '2026-01-01T00:00:04.000Z')]);
    const all = await LineageLog.forProject(project, engine).events();
    expect(all.map((e) => `${e.job.name} ${e.eventType}`)).toEqual(['b.job START', 'a.job START', 'a.job COMPLETE', 'c.job FAIL', 'c.job START']);
    expect(all.slice(0, 4)).toEqual([...first, ...second, ...third]);
  });

  it('compacts itself as it is appended to, so a server appending for months keeps few files, and keeps every event in order', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-log-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const appends = AUTO_COMPACT_MIN_FILES + 10;
    const events = Array.from({ length: appends }, (_, n) =>
      runEvent(`job${n}`, `00000000-0000-0000-0000-${String(n).padStart(12, '0')}`, 'START', new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString()),
    );
    for (const event of events) await log.append([event]);
    const snapshot = await (await DeltaTable.open(log.location, { engine })).snapshot();
    expect(snapshot.files.length).toBeLessThanOrEqual(appends - AUTO_COMPACT_MIN_FILES + 1);
    expect(await LineageLog.forProject(project, engine).events()).toEqual(events);
  });

  it('numbers the events of writers appending at the same time without gaps or repeats', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-log-'), 'demo');
    const writers = [LineageLog.forProject(project, engine), LineageLog.forProject(await Project.open(project.root), engine)];
    const batches = Array.from({ length: 6 }, (_, i) => [
      runEvent(`job.${i}`, `00000000-0000-0000-0000-00000000000${i}`, 'START', '2026-01-01T00:00:01.000Z'),
      runEvent(`job.${i}`, `00000000-0000-0000-0000-00000000000${i}`, 'COMPLETE', '2026-01-01T00:00:02.000Z'),
    ]);
    await Promise.all(batches.map((batch, i) => writers[i % 2]!.append(batch)));
    const all = await writers[0]!.events();
    expect(all).toHaveLength(12);
    // Each batch stays whole and in order, wherever it landed.
    for (let i = 0; i < all.length; i += 2) {
      expect(all[i]!.job.name).toBe(all[i + 1]!.job.name);
      expect([all[i]!.eventType, all[i + 1]!.eventType]).toEqual(['START', 'COMPLETE']);
    }
    const table = await DeltaTable.open(writers[0]!.location, { engine });
    const sequences = (await (await table.scan({ columns: ['sequence'] })).rows()).map((r) => Number(r['sequence'])).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('filters by time, run and job, and stores the text exactly as it would be sent', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-log-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const events = [
      runEvent('a.job', '00000000-0000-0000-0000-00000000000a', 'START', '2026-01-01T00:00:01.000Z'),
      runEvent('b.job', '00000000-0000-0000-0000-00000000000b', 'START', '2026-01-01T00:00:02.000Z'),
      runEvent('a.job', '00000000-0000-0000-0000-00000000000a', 'COMPLETE', '2026-01-01T00:00:03.000Z'),
    ];
    await log.append(events);
    expect(await log.events({ since: new Date('2026-01-01T00:00:02.000Z') })).toEqual(events.slice(1));
    expect(await log.events({ runId: '00000000-0000-0000-0000-00000000000a' })).toEqual([events[0], events[2]]);
    expect(await log.events({ job: 'b.job' })).toEqual([events[1]]);
    expect(await log.texts()).toEqual(events.map((e) => JSON.stringify(e)));
  });

  it('writes nothing that becomes a job run of its own', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-log-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const seen: JobRunEvent[] = [];
    const stop = onJobRun((event) => seen.push(event));
    try {
      await log.append([runEvent('a.job', '00000000-0000-0000-0000-00000000000a', 'START', '2026-01-01T00:00:01.000Z')]);
      await log.events();
      await withJobRun({ name: 'test.outer', type: 'QUERY' }, async () => {
        await log.append([runEvent('a.job', '00000000-0000-0000-0000-00000000000a', 'COMPLETE', '2026-01-01T00:00:02.000Z')]);
      });
    } finally {
      stop();
    }
    expect(seen.map((e) => [e.job.name, e.state, e.inputs.length, e.outputs.length])).toEqual([
      ['test.outer', 'START', 0, 0],
      ['test.outer', 'COMPLETE', 0, 0],
    ]);
    expect(await log.events()).toHaveLength(2);
  });

  it('round-trips events made from real table commits', async () => {
    const project = await Project.init(await tempDir('aquifer-lineage-log-'), 'demo');
    const log = LineageLog.forProject(project, engine);
    const made: OpenLineageRunEvent[] = [];
    const stop = onJobRun((event) => made.push(toRunEvent(event, { namespace: 'demo' })));
    try {
      await DeltaTable.create(project.tablePath('events'), { engine, data: { sql: 'SELECT 1::BIGINT AS id' } });
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      stop();
    }
    expect(made.length).toBeGreaterThan(0);
    await log.append(made);
    expect(await log.events()).toEqual(made);
  });
});
