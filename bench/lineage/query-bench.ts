import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../../src/engine/index.js';
import { LineageGraph, LineageGraphCache, LineageLog, toRunEvent } from '../../src/lineage/index.js';
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
  const history = syntheticHistory(commits, files);
  const root = path.join(benchCache(), 'lineage-query-project');
  await rm(root, { recursive: true, force: true });
  try {
    const project = await Project.init(root, 'shop');
    log(`query: ${history.commits} commits, ${history.files} files, ${history.events.length} events into the lineage log`);
    const lineageLog = LineageLog.forProject(project, engine);
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
      const answer = graph.upstream(history.model);
      const end = performance.now();
      if (answer.nodes.length !== check.nodes.length) throw new Error('the answer changed between runs');
      if (round >= 0) {
        whole.push(end - start);
        reads.push(read - start);
        builds.push(built - read);
      }
    }
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
      const answer = (await cache.graph()).upstream(history.model);
      const end = performance.now();
      if (answer.nodes.length !== check.nodes.length) throw new Error('the answer changed between runs');
      if (round >= 0) served.push(end - start);
    }
    const graph = await cache.graph();
    const alone: number[] = [];
    for (let round = -1; round < runs * 4; round++) {
      const { ms, value } = await timed(async () => graph.upstream(history.model));
      if (value.nodes.length !== check.nodes.length) throw new Error('the answer changed between runs');
      if (round >= 0) alone.push(ms);
    }
    log(
      `query: end to end ${whole.map((ms) => ms.toFixed(0)).join(' ')} ms; server ${served.map((ms) => ms.toFixed(1)).join(' ')} ms; alone ${alone.map((ms) => ms.toFixed(1)).join(' ')} ms`,
    );
    return {
      commits: history.commits,
      files: history.files,
      events: history.events.length,
      logBytes,
      nodes: check.nodes.length,
      fileNodes,
      endToEnd: { ms: median(whole), spread: [Math.min(...whole), Math.max(...whole)], readMs: median(reads), buildMs: median(builds) },
      server: { ms: median(served), spread: [Math.min(...served), Math.max(...served)] },
      queryMs: median(alone),
      querySpread: [Math.min(...alone), Math.max(...alone)],
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
