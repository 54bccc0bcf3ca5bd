/**
 * The prediction log's worker thread: it owns a DuckDB engine of its own and every Delta
 * commit of the project's prediction logs, so the staging, commit statistics, snapshot
 * refreshes, checkpoints and compactions of a log that commits once a second never hold the
 * serving thread's event loop (where they showed as the p99 of /predict). The serving
 * thread hands rows over and hears back which appends are committed.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { engineFromEnvironment, type Engine } from '../../engine/index.js';
import { log } from '../../log.js';
import { onJobRun, withJobRun, jobRunsObserved, tableDataset, type ColumnSource, type DatasetRef } from '../../observe/index.js';
import { Project } from '../../project/index.js';
import { openOrCreateTable, TableOnFirstUse } from '../../table/index.js';
import { modelDataset } from '../training/job-datasets.js';
import { predictionsTable } from './log-tables.js';
import type { FromPredictionLogWorker, PredictionAppend, PredictionLogWorkerData, ToPredictionLogWorker } from './prediction-log-messages.js';
import { PREDICTION_LOG_PROPERTIES } from './prediction-log-properties.js';
import { predictionEntries, PREDICTIONS_SCHEMA, PredictionWriter, type PredictedRows, type PredictionEntry } from './prediction-writer.js';

/** A commit's work is small and steady: one DuckDB thread leaves the cores to the server. */
const WORKER_ENGINE_THREADS = 1;

if (parentPort === null) throw new Error('prediction-log-worker runs only as a worker thread');
const port: MessagePort = parentPort;
const data = workerData as PredictionLogWorkerData;
const post = (message: FromPredictionLogWorker) => port.postMessage(message);

let stopForwarding: (() => void) | undefined;
/** Forward job run events to the serving thread while its lineage listens, and only then. */
function forwardJobRuns(observed: boolean): void {
  if (observed && stopForwarding === undefined) stopForwarding = onJobRun((event) => post({ kind: 'job-run', event }));
  else if (!observed && stopForwarding !== undefined) {
    stopForwarding();
    stopForwarding = undefined;
  }
}

const opened: Promise<{ project: Project; engine: Engine }> = (async () => {
  const project = await Project.open(data.projectRoot);
  const engine = await engineFromEnvironment(process.env, { threads: WORKER_ENGINE_THREADS });
  return { project, engine };
})();
const writers = new Map<string, PredictionWriter>();

/**
 * A commit of predictions as a run of `models.predict.<model>`: the model versions that
 * answered are its inputs, the predictions table version (reported by the table) its output.
 * Commits nobody observes are no run.
 */
async function predictionRun(
  project: Project,
  model: string,
  entries: readonly PredictionEntry[],
  commit: () => Promise<void>,
  location: () => Promise<string>,
): Promise<void> {
  if (!jobRunsObserved()) return commit();
  const inputs = new Map<string, DatasetRef>();
  for (const { version } of entries) if (!inputs.has(version)) inputs.set(version, modelDataset(project.config.name, model, version));
  return withJobRun({ name: `models.predict.${model}`, type: 'PREDICT', processing: 'STREAMING', project: project.root }, async (run) => {
    for (const input of inputs.values()) run.input(input);
    await commit();
    const columnLineage = loggedColumns(model, [...inputs.keys()]);
    if (columnLineage !== undefined) run.output({ ...tableDataset(await location()), kind: 'table', columnLineage });
  });
}

/** Where each model version's logged keys and features come from, as the serving thread last said. */
const sourcesByVersion = new Map<string, NonNullable<PredictedRows['sources']>>();

/** The log's `entities` and `features` columns from the feature view columns behind the versions committed. */
function loggedColumns(model: string, versions: readonly string[]): DatasetRef['columnLineage'] {
  const known = versions.flatMap((v) => sourcesByVersion.get(`${model}\u0000${v}`) ?? []);
  if (known.length === 0) return undefined;
  const lineage: Record<string, ColumnSource[]> = {};
  const entities = known.flatMap((s) => s.entities);
  const features = known.flatMap((s) => s.features);
  if (entities.length > 0) lineage['entities'] = entities;
  if (features.length > 0) lineage['features'] = features;
  return lineage;
}

function writer(project: Project, engine: Engine, model: string): PredictionWriter {
  const table = predictionsTable(model);
  let found = writers.get(table);
  if (found !== undefined) return found;
  const lazy = new TableOnFirstUse(() =>
    openOrCreateTable(project.tablePath(table, { internal: true }), engine, PREDICTIONS_SCHEMA, {
      stores: project.stores,
      description: 'Every prediction the model answered: request, entity keys, features, prediction and outputs',
      properties: PREDICTION_LOG_PROPERTIES,
    }),
  );
  found = new PredictionWriter(() => lazy.get(), engine, {
    lingerMs: data.lingerMs,
    around: async (entries, commit) => {
      const started = performance.now();
      await predictionRun(project, model, entries, commit, async () => (await lazy.get()).location);
      post({ kind: 'committed', model, rows: entries.length, seconds: (performance.now() - started) / 1000 });
    },
    // A commit every linger under load: its small files are compacted as it goes, so its files
    // (and checkpoints) stay few; beside the commits, so no commit waits for a compaction.
    afterCommit: async () => {
      try {
        await (await lazy.get()).compactSmallFiles();
      } catch (error) {
        log.warn({ err: error, table }, 'compacting the prediction log failed; it is tried again after a later commit');
      }
    },
  });
  writers.set(table, found);
  return found;
}

function plainError(error: unknown): { message: string; code?: string } {
  const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  return { message: error instanceof Error ? error.message : String(error), ...(code === undefined ? {} : { code }) };
}

/** The appends each pending batch holds: one message tells the serving thread of them all once it commits. */
const batches = new Map<Promise<void>, number[]>();

/**
 * Messages are taken in the order they came: an append is queued with its writer before a
 * flush sent after it looks at the writers (opening the project is asynchronous).
 */
let taken: Promise<void> = Promise.resolve();

async function append({ id, rows }: PredictionAppend, observed: boolean): Promise<void> {
  const model = (Array.isArray(rows) ? rows[0]?.model : rows.model) ?? '';
  let done: Promise<void>;
  try {
    // Kept first: the serving thread sends a version's sources once, even if this append fails.
    if (!Array.isArray(rows) && rows.sources !== undefined) sourcesByVersion.set(`${rows.model}\u0000${rows.version}`, rows.sources);
    const entries = Array.isArray(rows) ? rows : predictionEntries(rows);
    const { project, engine } = await opened;
    forwardJobRuns(observed);
    done = writer(project, engine, model).add(entries);
  } catch (error) {
    post({ kind: 'append-failed', ids: [id], model, error: plainError(error) });
    return;
  }
  const ids = batches.get(done);
  if (ids !== undefined) {
    ids.push(id);
    return;
  }
  const batch = [id];
  batches.set(done, batch);
  void done.then(
    () => post({ kind: 'appended', ids: batch }),
    (error: unknown) => post({ kind: 'append-failed', ids: batch, model, error: plainError(error) }),
  );
  void done.catch(() => undefined).finally(() => batches.delete(done));
}

async function appendAll(appends: readonly PredictionAppend[], observed: boolean): Promise<void> {
  for (const each of appends) await append(each, observed);
}

async function flush(id: number): Promise<void> {
  await Promise.allSettled([...writers.values()].map((w) => w.flush()));
  post({ kind: 'flushed', id });
}

async function close(): Promise<void> {
  await Promise.allSettled([...writers.values()].map((w) => w.flush()));
  const { engine } = await opened.catch(() => ({ engine: undefined }));
  engine?.close();
  // Nothing left to wait on: the thread ends on its own.
  port.close();
}

port.on('message', (message: ToPredictionLogWorker) => {
  taken = taken
    .then(() => {
      if (message.kind === 'append') return appendAll(message.appends, message.observed);
      if (message.kind === 'flush') void flush(message.id);
      else return close();
    })
    // Each message answers for itself; one that failed past that must not stop the ones after it.
    .catch((error: unknown) => log.error({ err: error, kind: message.kind }, 'the prediction log worker could not take a message'));
});
