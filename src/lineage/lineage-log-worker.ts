/**
 * The lineage log's worker thread (a server's): it owns a DuckDB engine of its own and every
 * commit of the project's lineage log, so the staging, commit, snapshot refresh and
 * checkpoint of a log a busy server appends to a few times a second never hold the serving
 * thread's event loop (they showed as stalls of 5–10 ms in the p99 of /predict).
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { engineFromEnvironment, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import { runInBackground } from '../module-worker.js';
import { Project } from '../project/index.js';
import { LineageLog } from './lineage-log.js';
import type { FromLineageLogWorker, LineageLogWorkerData, ToLineageLogWorker } from './lineage-log-messages.js';

/** A commit of the log is small: one DuckDB thread leaves the cores to the server. */
const WORKER_ENGINE_THREADS = 1;

if (parentPort === null) throw new Error('lineage-log-worker runs only as a worker thread');
const port: MessagePort = parentPort;
// Before the engine starts: its threads inherit the priority.
runInBackground();
const data = workerData as LineageLogWorkerData;
const post = (message: FromLineageLogWorker) => port.postMessage(message);

const opened: Promise<{ engine: Engine; lineage: LineageLog }> = (async () => {
  const project = await Project.open(data.projectRoot);
  const engine = await engineFromEnvironment(process.env, { threads: WORKER_ENGINE_THREADS });
  return { engine, lineage: LineageLog.forProject(project, engine) };
})();

async function append(id: number, events: ToLineageLogWorker & { kind: 'append' }): Promise<void> {
  try {
    const { lineage } = await opened;
    await lineage.append(events.events);
    post({ kind: 'appended', id });
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    post({ kind: 'append-failed', id, error: { message: error instanceof Error ? error.message : String(error), ...(code === undefined ? {} : { code }) } });
  }
}

async function close(): Promise<void> {
  const { engine } = await opened.catch(() => ({ engine: undefined }));
  engine?.close();
  // Nothing left to wait on: the thread ends on its own.
  port.close();
}

/** Appends are taken one at a time, in order: the log numbers events in the order they were sent. */
let taken: Promise<void> = Promise.resolve();
port.on('message', (message: ToLineageLogWorker) => {
  taken = taken
    .then(() => (message.kind === 'append' ? append(message.id, message) : close()))
    .catch((error: unknown) => log.error({ err: error, kind: message.kind }, 'the lineage log worker could not take a message'));
});
