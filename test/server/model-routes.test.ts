import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions } from '../../src/features/index.js';
import { ArtifactStore, feedbackRows, openModelStore, predictionsTable, train, TRAINING_TAGS, type ModelStore } from '../../src/models/index.js';
import type { Project } from '../../src/project/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { driverEntity, driverStatsProject, driverStatsView } from '../support/driver-stats.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';
import {
  MODELS_PYTHON,
  modelsPythonAvailable,
  perColumnModel,
  registerOnnxVersion,
  sklearnLogisticRegression,
  type SklearnModel,
} from '../support/onnx-models.js';

const DRIVERS = Array.from({ length: 40 }, (_, i) => 1001 + i);
const FEATURES = ['driver_stats:conv_rate', 'driver_stats:acc_rate', 'driver_stats:trips'];

/** One row per driver, values from the driver id so the test needs no random source; the label depends on them. */
const ROWS_SQL = `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts,
    ((driver_id * 37) % 100) / 100.0 AS conv_rate, ((driver_id * 53) % 100) / 100.0 AS acc_rate, ((driver_id * 11) % 30)::BIGINT AS trips
  FROM range(1001, 1041) t(driver_id)`;

const runs = modelsPythonAvailable();

describe.runIf(runs)('the model routes', () => {
  let engine: Engine;
  let project: Project;
  let server: RunningServer | undefined;
  let store: ModelStore;
  let lr: SklearnModel;
  /** The training set's feature values, in its feature column order, per driver. */
  let trainingRows: Record<string, unknown>[];
  let featureColumns: string[];
  let perColumn: { bytes: Uint8Array; score: number[][] };
  let trainedByPython: { keys: number[]; label: number[]; probabilities: number[][] };

  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    project = await driverStatsProject(engine, ROWS_SQL, 'aquifer-model-routes-');
    const view = driverStatsView({
      features: [
        { name: 'conv_rate', type: 'double' },
        { name: 'acc_rate', type: 'double' },
        { name: 'trips', type: 'long' },
      ],
    });
    await writeFile(project.featuresPath, JSON.stringify({ entities: [driverEntity], featureViews: [view] }));
    await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
    const features = await openAppliedFeatureStore(project, engine);
    await features.materialize(0, '2030-01-01T00:00:00Z');
    const set = await features.historicalFeatures({
      entityRows: {
        sql: `SELECT driver_id::BIGINT AS driver_id, TIMESTAMPTZ '2024-06-01 00:00:00+00' AS event_timestamp, (driver_id % 3 = 0)::INTEGER AS label
          FROM range(1001, 1041) t(driver_id)`,
      },
      features: FEATURES,
    });
    await set.save(project.tablePath('driver_training'));
    await features.online?.close();
    featureColumns = set.definition.featureColumns;
    trainingRows = await set.rows();
    const X = trainingRows.map((r) => featureColumns.map((c) => Number(r[c])));
    const y = X.map((x) => (x[0]! + x[1]! - x[2]! / 30 > 0.5 ? 1 : 0));
    lr = await sklearnLogisticRegression({ X, y, eval: X });

    store = await openModelStore(project);
    const artifacts = ArtifactStore.forProject(project);
    await registerOnnxVersion(store, artifacts, 'driver_model', { 'model.onnx': lr.bytes }, [{ key: TRAINING_TAGS.trainingSet, value: 'driver_training' }]);
    await store.setAlias('driver_model', 'champion', 1);
    const column = (name: string) => trainingRows.map((r) => Number(r[name]));
    perColumn = await perColumnModel({ conv_rate: column('conv_rate'), acc_rate: column('acc_rate'), trips: column('trips') });
    await registerOnnxVersion(store, artifacts, 'per_column', { 'model.onnx': perColumn.bytes }, [
      { key: TRAINING_TAGS.trainingSet, value: 'driver_training' },
    ]);
    // The same model without a training set: its callers send the features themselves.
    await registerOnnxVersion(store, artifacts, 'raw_model', { 'model.onnx': lr.bytes });
    // A version as `aquifer train` registers it: a Python command fitted on the handed-over training set.
    const predictionsOut = path.join(await tempDir('aquifer-train-out-'), 'predictions.json');
    const trained = await train(project, engine, store, {
      model: 'trained',
      trainingSet: 'driver_training',
      label: 'label',
      command: [MODELS_PYTHON as string, path.join(REPO_ROOT, 'test', 'support', 'train_lr.py')],
      env: { PREDICTIONS_OUT: predictionsOut },
    });
    expect(trained.exitCode).toBe(0);
    trainedByPython = JSON.parse(await readFile(predictionsOut, 'utf8')) as typeof trainedByPython;
    await store.close();
    server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    engine?.close();
  });

  const call = async (method: string, route: string, body?: unknown) => {
    const response = await fetch(`${server!.url}${route}`, {
      method,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const expectPython = (body: Record<string, unknown>, drivers: readonly number[]) => {
    const index = drivers.map((d) => DRIVERS.indexOf(d));
    expect(body['predictions']).toEqual(index.map((i) => lr.label[i]));
    const probabilities = (body['outputs'] as Record<string, number[][]>)['probabilities'] as number[][];
    probabilities.forEach((row, k) => row.forEach((p, j) => expect(Math.abs(p - lr.probabilities![index[k]!]![j]!)).toBeLessThanOrEqual(1e-6)));
  };

  it("predicts for entity keys with the training set's features from the online store, as Python's onnxruntime does", async () => {
    const drivers = [1003, 1001, 1040, 1017];
    const { status, body } = await call('POST', '/v1/models/driver_model/predict', { entities: { driver_id: drivers } });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ model: 'driver_model', version: '1' });
    expect(typeof body['request_id']).toBe('string');
    expectPython(body, drivers);
  });

  it('feeds a model with one input per feature column each column by name, in its own type and shape', async () => {
    expect(featureColumns).toEqual(['conv_rate', 'acc_rate', 'trips']);
    const drivers = [1040, 1001, 1022];
    const { status, body } = await call('POST', '/v1/models/per_column/predict', { entities: { driver_id: drivers } });
    expect(status, JSON.stringify(body)).toBe(200);
    const scores = body['predictions'] as number[][];
    drivers.forEach((d, k) => expect(Math.abs(scores[k]![0]! - perColumn.score[DRIVERS.indexOf(d)]![0]!)).toBeLessThanOrEqual(1e-6));
  });

  it("serves a version `aquifer train` registered, answering what the training command's Python predicted", async () => {
    const drivers = [1030, 1002, 1015];
    const { status, body } = await call('POST', '/v1/models/trained/predict', { entities: { driver_id: drivers } });
    expect(status, JSON.stringify(body)).toBe(200);
    const index = drivers.map((d) => trainedByPython.keys.indexOf(d));
    expect(body['predictions']).toEqual(index.map((i) => trainedByPython.label[i]));
    const probabilities = (body['outputs'] as Record<string, number[][]>)['probabilities'] as number[][];
    probabilities.forEach((row, k) => row.forEach((p, j) => expect(Math.abs(p - trainedByPython.probabilities[index[k]!]![j]!)).toBeLessThanOrEqual(1e-6)));
  });

  it('takes rows (instances), a version number, and name@alias alike', async () => {
    const drivers = [1002, 1039];
    const byRows = await call('POST', '/v1/models/driver_model/versions/1/predict', { instances: drivers.map((d) => ({ driver_id: d })) });
    expect(byRows.status, JSON.stringify(byRows.body)).toBe(200);
    expectPython(byRows.body, drivers);
    const byAlias = await call('POST', `/v1/models/${encodeURIComponent('driver_model@champion')}/predict`, { entities: { driver_id: drivers } });
    expect(byAlias.status).toBe(200);
    expect(byAlias.body['version']).toBe('1');
    const aliasSegment = await call('POST', '/v1/models/driver_model/versions/champion/predict', { entities: { driver_id: drivers } });
    expect(aliasSegment.body['predictions']).toEqual(byAlias.body['predictions']);
  });

  it('answers 400 MODEL_INPUT_INVALID naming the feature an unknown entity lacks, or a value of the wrong type', async () => {
    expect(await call('POST', '/v1/models/driver_model/predict', { entities: { driver_id: [1001, 99] } })).toMatchObject({
      status: 400,
      body: { error: { code: 'MODEL_INPUT_INVALID', value: { feature: 'conv_rate', row: 1 } } },
    });
    expect(await call('POST', '/v1/models/raw_model/predict', { instances: [{ float_input: [0.1, 'x', 3] }] })).toMatchObject({
      status: 400,
      body: { error: { code: 'MODEL_INPUT_INVALID', value: { input: 'float_input', row: 0, expected: 'FP32' } } },
    });
    expect(await call('POST', '/v1/models/driver_model/predict', { entities: { driver_id: [1] }, instances: [] })).toMatchObject({
      status: 400,
      body: { error: { code: 'MODEL_REQUEST_INVALID' } },
    });
    expect(await call('POST', '/v1/models/nobody/predict', { entities: { driver_id: [1] } })).toMatchObject({
      status: 404,
      body: { error: { code: 'MODEL_STORE_NOT_FOUND' } },
    });
  });

  it('answers Open Inference Protocol requests: metadata, readiness and inference with tensors', async () => {
    const metadata = await call('GET', '/v2/models/raw_model');
    expect(metadata).toEqual({
      status: 200,
      body: {
        name: 'raw_model',
        versions: ['1'],
        platform: 'onnxruntime_onnx',
        inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 3] }],
        outputs: [
          { name: 'label', datatype: 'INT64', shape: [-1] },
          { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
        ],
      },
    });
    expect((await call('GET', '/v2/models/raw_model/versions/1/ready')).status).toBe(200);
    expect(await call('GET', '/v2/models/nobody/ready')).toEqual({ status: 404, body: { error: expect.any(String), code: 'MODEL_STORE_NOT_FOUND' } });
    const X = trainingRows.slice(0, 5).map((r) => featureColumns.map((c) => Number(r[c])));
    const infer = await call('POST', '/v2/models/raw_model/versions/1/infer', {
      id: 'req-1',
      inputs: [{ name: 'float_input', shape: [5, 3], datatype: 'FP32', data: X }],
    });
    expect(infer.status, JSON.stringify(infer.body)).toBe(200);
    expect(infer.body).toMatchObject({ model_name: 'raw_model', model_version: '1', id: 'req-1' });
    const outputs = infer.body['outputs'] as { name: string; shape: number[]; datatype: string; data: number[] }[];
    expect(outputs[0]).toEqual({ name: 'label', datatype: 'INT64', shape: [5], data: lr.label.slice(0, 5) });
    expect(outputs[1]).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [5, 2] });
    outputs[1]!.data.forEach((p, i) => expect(Math.abs(p - lr.probabilities!.slice(0, 5).flat()[i]!)).toBeLessThanOrEqual(1e-6));
    const one = await call('POST', '/v2/models/raw_model/infer', {
      inputs: [{ name: 'float_input', shape: [1, 3], datatype: 'FP32', data: X[0] }],
      outputs: [{ name: 'label' }],
    });
    expect((one.body['outputs'] as unknown[]).length).toBe(1);
    // Errors come in the protocol's shape, {"error": "<message>"}, with Aquifer's code beside it.
    expect(await call('POST', '/v2/models/raw_model/infer', { inputs: [{ name: 'float_input', shape: [1, 3], datatype: 'FP64', data: X[0] }] })).toEqual({
      status: 400,
      body: { error: expect.stringContaining('FP32'), code: 'MODEL_INPUT_INVALID' },
    });
    expect(await call('POST', '/v2/models/raw_model/infer', { inputs: [{ name: 'float_input', shape: [1, 3], datatype: 'FLOAT', data: X[0] }] })).toEqual({
      status: 400,
      body: { error: expect.stringContaining('inputs[0].datatype'), code: 'MODEL_REQUEST_INVALID' },
    });
  });

  it('logs every answered row and joins the labels fed back, all committed once the server closes', async () => {
    const drivers = [1005, 1006, 1007];
    const predicted = await call('POST', '/v1/models/driver_model/predict', { entities: { driver_id: drivers } });
    const requestId = predicted.body['request_id'] as string;
    const feedback = await call('POST', '/v1/models/driver_model/feedback', [
      { request_id: requestId, label: 1 },
      { request_id: requestId, row: 2, label: 0 },
    ]);
    expect(feedback).toEqual({ status: 200, body: { accepted: 2 } });
    expect(await call('POST', '/v1/models/driver_model/feedback', { request_id: requestId })).toMatchObject({ status: 400 });
    expect(await call('POST', '/v1/models/nobody/feedback', { request_id: requestId, label: 1 })).toMatchObject({
      status: 404,
      body: { error: { code: 'MODEL_STORE_NOT_FOUND' } },
    });
    await server!.close();
    server = undefined;
    const log = await DeltaTable.open(project.tablePath(predictionsTable('driver_model'), { internal: true }), { engine });
    // Rows answered by the earlier tests too (per_column has its own log): 4 + 2 + 2 + 2 + 3, all with version 1.
    expect(await (await log.scan()).count()).toBe(13);
    // Inference requests are logged too, a row per tensor row, their inputs as the features.
    const raw = await (await DeltaTable.open(project.tablePath(predictionsTable('raw_model'), { internal: true }), { engine })).scan();
    const logged = await engine.query(`SELECT row_index, features, prediction FROM (${await raw.sql()}) WHERE request_id = 'req-1' ORDER BY row_index`);
    expect(logged.map((r) => [Number(r['row_index']), JSON.parse(String(r['features'])), JSON.parse(String(r['prediction']))])).toEqual(
      trainingRows.slice(0, 5).map((r, i) => [i, { float_input: featureColumns.map((c) => Number(r[c])) }, lr.label[i]]),
    );
    const rows = await feedbackRows(project, engine, 'driver_model');
    expect(rows.map((r) => [r.rowIndex, r.label, r.entities])).toEqual([
      [0, 1, { driver_id: 1005 }],
      [2, 0, { driver_id: 1007 }],
    ]);
    const training = trainingRows[DRIVERS.indexOf(1005)] as Record<string, unknown>;
    expect(rows[0]).toMatchObject({
      requestId,
      model: 'driver_model',
      version: '1',
      features: Object.fromEntries(featureColumns.map((c) => [c, training[c]])),
      prediction: lr.label[DRIVERS.indexOf(1005)],
    });
  });
});
