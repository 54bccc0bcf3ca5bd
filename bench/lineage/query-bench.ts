import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../../src/engine/index.js';
import { GraphSnapshotFile, LineageGraph, LineageGraphCache, LineageLog, toRunEvent, type LineageResult } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { benchCache, log, median, timed } from '../table/measure.js';
import { syntheticHistory } from './history.js';

export interface QueryFigures {
  commits: number;
  files: number;
  events: number;
  logBytes: number;
  nodes: number;
  fileNodes: number;
  /** Read the log's graph column, build the graph, query: what `aquifer lineage upstream` does per call. */
  endToEnd: { ms: number; spread: [number, number]; readMs: number; buildMs: number };
  /**
   * What `aquifer lineage upstream` does per call with the snapshot: a new cache loads the graph's
   * snapshot, extends it by the log's commits after it (one to six: a run is logged before each
   * call), and queries; with the snapshot's load alone, its size, and the time to write it.
   */
  fromSnapshot: { ms: number; spread: [number, number]; loadMs: number; behind: [number, number]; bytes: number; writeMs: number };
  /** The server's request: bring its kept graph up to date with one run logged since the last request, and query. */
  server: { ms: number; spread: [number, number] };
  /** The query alone on a built graph. */
  queryMs: number;
  querySpread: [number, number];
}

/** Events appended in batches of this many, as the recorder's writer would have over the project's life. */
const APPEND_BATCH = 500;

/**
 * `upstream('model:churn@1')` over a synthetic history of `commits` table commits and `files`
 * source files, kept in a real LineageLog: end to end, and the query alone.
 */
export async function queryBench(engine: Engine, commits: number, files: number, runs: number): Promise<QueryFigures> {
  const root = path.join(benchCache(), 'lineage-query-project');
  await rm(root, { recursive: true, force: true });
  try {
    const project = await Project.init(root, 'shop');
    const lineageLog = LineageLog.forProject(project, engine);
    // The history and the log's texts are let go before anything is timed: a process that answers holds neither,
    // and a heap that does collects slower.
    const { model, check, events, logBytes, size } = await loggedHistory(project, engine, lineageLog, commits, files);
    const whole: number[] = [];
    const reads: number[] = [];
    const builds: number[] = [];
    for (let round = -1; round < runs; round++) {
      const start = performance.now();
      // A fresh log object, as each CLI call or server request opens it.
      const { runs } = await LineageLog.forProject(project, engine).runs();
      const read = performance.now();
      const graph = LineageGraph.fromRuns(runs);
      const built = performance.now();
      const answer = graph.upstream(model);
      const end = performance.now();
      if (answer.nodes.length !== check.nodes.length) throw new Error('the answer changed between runs');
      if (round >= 0) {
        whole.push(end - start);
        reads.push(read - start);
        builds.push(built - read);
      }
    }
    const fromSnapshot = await snapshotCalls(project, engine, lineageLog, model, check, runs);
    // The server: one cache for the process; before each request a run of another table is logged.
    const cache = new LineageGraphCache(LineageLog.forProject(project, engine));
    await cache.graph();
    const served: number[] = [];
    for (let round = -1; round < runs; round++) {
      const runId = `00000000-0000-4000-9000-${String(round + 1).padStart(12, '0')}`;
      const job = { name: 'table.write.other', type: 'WRITE' };
      const time = new Date();
      const output = { namespace: 'file', name: '/bench/shop/tables/other', kind: 'table' as const, version: String(round + 1), versions: [round + 1] };
      await lineageLog.append([toRunEvent({ runId, job, startedAt: time, time, state: 'COMPLETE', inputs: [], outputs: [output] }, { namespace: 'shop' })]);
      const start = performance.now();
      const answer = (await cache.graph()).upstream(model);
      const end = performance.now();
      if (answer.nodes.length !== check.nodes.length) throw new Error('the answer changed between runs');
      if (round >= 0) served.push(end - start);
    }
    const graph = await cache.graph();
    const alone: number[] = [];
    for (let round = -1; round < runs * 4; round++) {
      const { ms, value } = await timed(async () => graph.upstream(model));
      if (value.nodes.length !== check.nodes.length) throw new Error('the answer changed between runs');
      if (round >= 0) alone.push(ms);
    }
    log(
      `query: end to end ${whole.map((ms) => ms.toFixed(0)).join(' ')} ms; with the snapshot ${fromSnapshot.ms.toFixed(1)} ms (median); server ${served.map((ms) => ms.toFixed(1)).join(' ')} ms; alone ${alone.map((ms) => ms.toFixed(1)).join(' ')} ms`,
    );
    return {
      commits: size.commits,
      files: size.files,
      events,
      logBytes,
      nodes: check.nodes.length,
      fileNodes: check.nodes.filter((n) => n.type === 'file').length,
      endToEnd: { ms: median(whole), spread: [Math.min(...whole), Math.max(...whole)], readMs: median(reads), buildMs: median(builds) },
      fromSnapshot,
      server: { ms: median(served), spread: [Math.min(...served), Math.max(...served)] },
      queryMs: median(alone),
      querySpread: [Math.min(...alone), Math.max(...alone)],
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** The synthetic history appended to the log, and the answer it must give, checked against the files loaded before the pinned version. */
async function loggedHistory(project: Project, engine: Engine, lineageLog: LineageLog, commits: number, files: number) {
  const history = syntheticHistory(commits, files);
  log(`query: ${history.commits} commits, ${history.files} files, ${history.events.length} events into the lineage log`);
  for (let i = 0; i < history.events.length; i += APPEND_BATCH) await lineageLog.append(history.events.slice(i, i + APPEND_BATCH));
  const logged = await LineageLog.forProject(project, engine).texts();
  const logBytes = logged.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  // The answer must be right before it is timed.
  const check = LineageGraph.fromEvents(logged.map((t) => JSON.parse(t) as never)).upstream(history.model);
  const fileNodes = check.nodes.filter((n) => n.type === 'file').length;
  if (logged.length !== history.events.length || fileNodes !== history.expectedFiles)
    throw new Error(
      `upstream(${history.model}) holds ${fileNodes} files (expected ${history.expectedFiles}); the log ${logged.length} events of ${history.events.length}`,
    );
  return { model: history.model, check, events: history.events.length, logBytes, size: { commits: history.commits, files: history.files } };
}

/** The snapshot the first call wrote, written again (as a call that built the graph writes it): how long that takes. */
async function snapshotWrites(file: GraphSnapshotFile): Promise<{ writes: number[]; version: number; bytes: number }> {
  const saved = await file.read();
  if (saved === undefined) throw new Error('the first call wrote no snapshot');
  // Its runs parsed, as a graph built from the log has them, so the write encodes them too.
  saved.graph.run(saved.graph.nodes.find((n) => n.type === 'run')?.id ?? '');
  const writes: number[] = [];
  for (let round = 0; round < 3; round++) writes.push((await timed(() => file.write(saved.graph, { version: saved.version, digest: saved.digest }))).ms);
  return { writes, version: saved.version, bytes: (await stat(file.file)).size };
}

/** A run of a table the model does not come from, logged to move the log past the snapshot. */
function auditRun(n: number) {
  const time = new Date();
  const output = { namespace: 'file', name: '/bench/shop/tables/audit', kind: 'table' as const, version: String(n), versions: [n] };
  return toRunEvent(
    {
      runId: `00000000-0000-4000-a000-${String(n).padStart(12, '0')}`,
      job: { name: 'table.write.audit', type: 'WRITE' },
      startedAt: time,
      time,
      state: 'COMPLETE',
      inputs: [],
      outputs: [output],
    },
    { namespace: 'shop' },
  );
}

/**
 * Calls as a fresh process makes them with the snapshot: a new cache (a new LineageLog, no graph
 * in memory) per call, the snapshot written once by a first call and a commit behind the log
 * more each round. The first answer must equal the one built from the whole events.
 */
async function snapshotCalls(
  project: Project,
  engine: Engine,
  lineageLog: LineageLog,
  model: string,
  check: LineageResult,
  runs: number,
): Promise<QueryFigures['fromSnapshot']> {
  const file = GraphSnapshotFile.forProject(project);
  await rm(file.file, { force: true });
  const writer = LineageGraphCache.forProject(project, engine);
  await writer.graph();
  await writer.close();
  const { writes, version, bytes } = await snapshotWrites(file);
  const loads: number[] = [];
  const calls: number[] = [];
  for (let round = -1; round < runs; round++) {
    await lineageLog.append([auditRun(round + 1)]);
    const start = performance.now();
    const cache = LineageGraphCache.forProject(project, engine);
    const answer = (await cache.graph()).upstream(model);
    const end = performance.now();
    await cache.close();
    if (round === -1 ? JSON.stringify(answer) !== JSON.stringify(check) : answer.nodes.length !== check.nodes.length)
      throw new Error('the answer from the snapshot differs from the one built from the events');
    if (round >= 0) {
      calls.push(end - start);
      // The snapshot's load alone, timed apart under the same conditions.
      loads.push((await timed(() => file.read())).ms);
    }
  }
  const after = (await file.read())?.version;
  if (after !== version) throw new Error(`the snapshot was written again during the calls (version ${after ?? 'none'})`);
  log(
    `query: with the snapshot ${calls.map((ms) => ms.toFixed(1)).join(' ')} ms; load ${loads.map((ms) => ms.toFixed(1)).join(' ')} ms; write ${writes.map((ms) => ms.toFixed(1)).join(' ')} ms`,
  );
  return {
    ms: median(calls),
    spread: [Math.min(...calls), Math.max(...calls)],
    loadMs: median(loads),
    behind: [2, runs + 1],
    bytes,
    writeMs: median(writes),
  };
}
