/**
 * The lineage log's worker thread (a server's, src/append-thread.ts): it owns a DuckDB engine of
 * its own and every commit of the project's lineage log, so the log's commits and checkpoints
 * never hold the serving thread's event loop (they showed as 5–10 ms stalls in /predict's p99).
 */
import { workerData } from 'node:worker_threads';
import { serveAppends } from '../append-thread.js';
import { engineFromEnvironment } from '../engine/index.js';
import { Project } from '../project/index.js';
import { LineageLog } from './lineage-log.js';
import type { OpenLineageRunEvent } from './openlineage.js';

/** A commit of the log is small: one DuckDB thread leaves the cores to the server. */
const WORKER_ENGINE_THREADS = 1;

const { projectRoot } = workerData as { projectRoot: string };

serveAppends<OpenLineageRunEvent>(async () => {
  const project = await Project.open(projectRoot);
  const engine = await engineFromEnvironment(process.env, { threads: WORKER_ENGINE_THREADS });
  const lineage = LineageLog.forProject(project, engine);
  return { append: (events) => lineage.append(events), close: () => engine.close() };
});
