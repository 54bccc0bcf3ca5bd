import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import {
  openModelStore,
  PredictionLog,
  predictionsTable,
  reproduce,
  train,
  type ModelStore,
  type PredictedRows,
  type PredictionEntry,
} from '../../../src/models/index.js';
import { onJobRun, type DatasetRef, type JobRunEvent } from '../../../src/observe/index.js';
import type { Project } from '../../../src/project/index.js';
import { createModelProject } from '../../support/model-project.js';

let engine: Engine;
let project: Project;
let store: ModelStore;
const events: JobRunEvent[] = [];
let stop: (() => void) | undefined;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await createModelProject(engine, 20);
  store = await openModelStore(project);
}, 120_000);
afterAll(async () => {
  await store?.close();
  project?.close();
  engine?.close();
});
afterEach(() => {
  stop?.();
  stop = undefined;
  events.length = 0;
});

const listen = () => {
  stop = onJobRun((event) => events.push(event));
};
const ended = (name: string) => events.filter((e) => e.state !== 'START' && e.state !== 'RUNNING' && e.job.name === name);
const ids = (datasets: readonly DatasetRef[]) => datasets.map((d) => [d.kind, d.namespace, d.name, d.version]);
/** A training command without Python: it writes a model file where train() looks for one. */
const WRITE_MODEL = ['sh', '-c', 'echo model > "$AQUIFER_MODEL_DIR/model.bin"'];

describe('model job runs', () => {
  it('reports training as a TRAIN run from the training set and its pinned tables to the version registered', async () => {
    listen();
    const result = await train(project, engine, store, { model: 'churn', trainingSet: 'churn_train', command: WRITE_MODEL });
    expect(result.version?.version).toBe(1);
    const [run] = ended('models.train.churn');
    expect(run?.state).toBe('COMPLETE');
    expect(run?.job).toEqual({ name: 'models.train.churn', type: 'TRAIN', project: project.root, parameters: { command: JSON.stringify(WRITE_MODEL) } });
    const aquifer = `aquifer://${project.config.name}`;
    expect(ids(run?.inputs ?? [])).toEqual([
      ['table', 'file', project.tablePath('churn_train'), '0'],
      ['training-set', aquifer, 'training-sets/churn_train', '0'],
      ['table', 'file', project.tablePath('user_stats'), '0'],
    ]);
    expect(run?.outputs).toEqual([{ kind: 'model', namespace: aquifer, name: 'models/churn', version: '1' }]);
  }, 120_000);

  it('reports a training command that exits non-zero as a FAIL run naming the exit code', async () => {
    listen();
    const result = await train(project, engine, store, { model: 'churn', trainingSet: 'churn_train', command: ['sh', '-c', 'exit 3'] });
    expect(result.exitCode).toBe(3);
    const [run] = ended('models.train.churn');
    expect(run?.state).toBe('FAIL');
    expect(run?.error?.message).toBe('The training command exited with code 3');
    expect(ids(run?.inputs ?? []).map((i) => i[0])).toEqual(['table', 'training-set', 'table']);
    expect(run?.outputs).toEqual([]);
  }, 120_000);

  it('reports reproducing a version as a run reading the version and its training set', async () => {
    listen();
    expect((await reproduce(project, engine, store, 'churn', 1)).identical).toBe(true);
    const [run] = ended('models.reproduce.churn');
    expect(run?.state).toBe('COMPLETE');
    expect(run?.job).toEqual({ name: 'models.reproduce.churn', type: 'REPRODUCE', project: project.root });
    const aquifer = `aquifer://${project.config.name}`;
    expect(ids(run?.inputs ?? [])).toEqual([
      ['model', aquifer, 'models/churn', '1'],
      ['training-set', aquifer, 'training-sets/churn_train', '0'],
      ['table', 'file', project.tablePath('user_stats'), '0'],
    ]);
    expect(run?.outputs).toEqual([]);
  }, 120_000);
});

describe('prediction job runs', () => {
  const entry = (requestId: string, version: string): PredictionEntry => ({
    requestId,
    rowIndex: 0,
    time: new Date(Date.UTC(2026, 0, 1)),
    model: 'fraud',
    version,
    entities: { user_id: 'u1' },
    features: { amount: 1 },
    prediction: 1,
    outputs: {},
  });

  it('reports each commit of the prediction log as a STREAMING run from the model versions answered to the predictions table', async () => {
    const log = new PredictionLog(project, engine);
    await log.committed([entry('first', '1')]);
    listen();
    await Promise.all([log.committed([entry('a', '1')]), log.committed([entry('b', '2')])]);
    await log.feedback('fraud', 'a', [{ requestId: 'a', rowIndex: 0, label: 1, time: new Date(Date.UTC(2026, 0, 1)) }]);
    const runs = ended('models.predict.fraud');
    expect(runs.map((r) => [r.state, r.job])).toEqual(
      runs.map(() => ['COMPLETE', { name: 'models.predict.fraud', type: 'PREDICT', processing: 'STREAMING', project: project.root }]),
    );
    const aquifer = `aquifer://${project.config.name}`;
    expect(runs.flatMap((r) => ids(r.inputs)).sort()).toEqual([
      ['model', aquifer, 'models/fraud', '1'],
      ['model', aquifer, 'models/fraud', '2'],
    ]);
    expect(runs.flatMap((r) => r.outputs.map((o) => [o.kind, o.name, o.operation]))).toEqual(
      runs.map(() => ['table', project.tablePath(predictionsTable('fraud'), { internal: true }), 'WRITE']),
    );
    // Feedback is not a prediction: its commit is no models.predict run.
    expect(events.filter((e) => e.job.name.startsWith('models.predict')).length).toBe(runs.length * 2);
  });

  it("gives each commit's run the column lineage of the version answered, for every request of it, not only the first", async () => {
    const view = { namespace: `aquifer://${project.config.name}`, name: 'feature-views/user_stats' };
    const sources = {
      entities: [{ ...view, field: 'user_id', type: 'DIRECT' as const, subtype: 'IDENTITY' as const }],
      features: [{ ...view, field: 'amount', type: 'DIRECT' as const, subtype: 'IDENTITY' as const }],
    };
    const answered = (requestId: string): PredictedRows => ({
      requestId,
      time: new Date(Date.UTC(2026, 0, 1)),
      model: 'fraud',
      version: '3',
      rows: [{ user_id: 'u1', amount: 1 }],
      entityColumns: ['user_id'],
      predictions: [1],
      outputs: {},
      sources,
    });
    const log = new PredictionLog(project, engine, { lingerMs: 0 });
    listen();
    // Each its own commit: one request after the other.
    for (const id of ['x', 'y', 'z']) await log.committed(answered(id));
    const runs = ended('models.predict.fraud');
    expect(runs.length).toBe(3);
    for (const run of runs) expect(run.outputs.map((o) => o.columnLineage)).toEqual([{ entities: sources.entities, features: sources.features }]);
    await log.close();
  });
});
