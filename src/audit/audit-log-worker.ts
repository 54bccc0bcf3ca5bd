/**
 * The audit log's worker thread (a server's, src/append-thread.ts): it owns a DuckDB engine of
 * its own and every commit of the project's audit log, so a server that audits every request
 * never commits on the event loop that answers them.
 */
import { workerData } from 'node:worker_threads';
import { serveAppends } from '../append-thread.js';
import { engineFromEnvironment } from '../engine/index.js';
import { Project } from '../project/index.js';
import type { AuditEntry } from './audit-entry.js';
import { AuditLog } from './audit-log.js';

/** A commit of the log is small: one DuckDB thread leaves the cores to the server. */
const WORKER_ENGINE_THREADS = 1;

const { projectRoot } = workerData as { projectRoot: string };

serveAppends<AuditEntry>(async () => {
  const project = await Project.open(projectRoot);
  const engine = await engineFromEnvironment(process.env, { threads: WORKER_ENGINE_THREADS });
  const audit = AuditLog.forProject(project, engine);
  return { append: (entries) => audit.append(entries), close: () => engine.close() };
});
