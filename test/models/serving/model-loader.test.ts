import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAquiferError } from '../../../src/errors.js';
import {
  ArtifactStore,
  ModelLoader,
  loadModel,
  onnxDataFile,
  openModelStore,
  registerFunctionModel,
  unregisterFunctionModel,
  type ModelStore,
} from '../../../src/models/index.js';
import { Project } from '../../../src/project/index.js';
import { modelsPythonAvailable, registerOnnxVersion, sklearnLogisticRegression, type SklearnModel } from '../../support/onnx-models.js';
import { tempDir } from '../../support/temp.js';

const COLUMNS = ['conv_rate', 'acc_rate', 'trips', 'rating'];

/** Rows of four features, the label a function of them, from a fixed seed. */
function dataset(n: number, seed: number): { X: number[][]; y: number[] } {
  let state = seed;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const X = Array.from({ length: n }, () => [next(), next(), Math.round(next() * 50), 1 + next() * 4]);
  return { X, y: X.map((r) => (r[0]! + r[1]! - r[2]! / 50 + (r[3]! - 3) / 4 > 0.6 ? 1 : 0)) };
}

async function code(promise: Promise<unknown>): Promise<{ code: string; value: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isAquiferError(error)) return { code: error.code, value: error.value };
    throw error;
  }
  throw new Error('expected a typed error');
}

const runs = modelsPythonAvailable();

describe.runIf(runs)('loading registered ONNX versions', () => {
  let project: Project;
  let store: ModelStore;
  let artifacts: ArtifactStore;
  let lr: SklearnModel;
  const evalRows = dataset(25, 7).X;

  beforeAll(async () => {
    project = await Project.init(await tempDir('aquifer-serving-'));
    store = await openModelStore(project);
    artifacts = ArtifactStore.forProject(project);
    lr = await sklearnLogisticRegression({ ...dataset(200, 1), eval: evalRows });
    await registerOnnxVersion(store, artifacts, 'churn', { 'model.onnx': lr.bytes });
  }, 120_000);

  afterAll(async () => {
    await store?.close();
  });

  it("predicts what Python's onnxruntime predicts for the same features", async () => {
    const model = await loadModel(store, artifacts, 'churn', 1);
    expect(model.inputs).toEqual([{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }]);
    expect(model.outputs.map((o) => o.name)).toEqual(['label', 'probabilities']);
    const rows = evalRows.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]])));
    const result = await model.predict(rows, COLUMNS);
    expect(result.predictions).toEqual(lr.label);
    const probabilities = result.outputs['probabilities'] as number[][];
    probabilities.forEach((row, i) => row.forEach((p, j) => expect(Math.abs(p - lr.probabilities![i]![j]!)).toBeLessThanOrEqual(1e-6)));
  });

  it('takes each row as a list under the input name when no feature columns are known', async () => {
    const model = await loadModel(store, artifacts, 'churn');
    const result = await model.predict(evalRows.map((r) => ({ float_input: r })));
    expect(result.predictions).toEqual(lr.label);
  });

  it('keeps one session per version and follows an alias when it moves', async () => {
    const loader = new ModelLoader(store, artifacts);
    const other = await sklearnLogisticRegression({ ...dataset(200, 2), eval: evalRows });
    await registerOnnxVersion(store, artifacts, 'churn', { 'model.onnx': other.bytes });
    await store.setAlias('churn', 'champion', 1);
    const first = await loader.load('churn', 'champion');
    expect(first.version).toBe('1');
    expect(await loader.load('churn', '1')).toBe(first);
    await store.setAlias('churn', 'champion', 2);
    const moved = await loader.load('churn', 'champion');
    expect(moved.version).toBe('2');
    expect((await loader.load('churn')).version).toBe('2');
    expect(await loader.load('churn', 2)).toBe(moved);
  });

  it('asks the registry again only when it changed, and follows an alias another process moves', async () => {
    // A second connection to the same SQLite file stands for another process (a CLI moving the alias).
    const elsewhere = await openModelStore(project);
    let lookups = 0;
    const counting = new Proxy(store, {
      get(target, key, receiver) {
        if (key === 'getModelVersionByAlias') lookups++;
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
    try {
      const loader = new ModelLoader(counting, artifacts);
      await elsewhere.setAlias('churn', 'stable', 1);
      for (let i = 0; i < 5; i++) expect((await loader.load('churn', 'stable')).version).toBe('1');
      expect(lookups).toBe(1);
      await elsewhere.setAlias('churn', 'stable', 2);
      expect((await loader.load('churn', 'stable')).version).toBe('2');
      expect(lookups).toBe(2);
      await store.setAlias('churn', 'stable', 1);
      expect((await loader.load('churn', '@stable')).version).toBe('1');
    } finally {
      await elsewhere.close();
    }
  });

  it('names the feature, row and type of a missing or wrongly typed value (MODEL_INPUT_INVALID)', async () => {
    const model = await loadModel(store, artifacts, 'churn', 1);
    const row = { conv_rate: 0.5, acc_rate: 0.5, trips: 3, rating: 4 };
    expect(await code(model.predict([row, { ...row, trips: 'many' }], COLUMNS))).toEqual({
      code: 'MODEL_INPUT_INVALID',
      value: { input: 'float_input', feature: 'trips', row: 1, expected: 'FP32', got: 'many' },
    });
    const { rating: _rating, ...missing } = row;
    expect(await code(model.predict([missing], COLUMNS))).toMatchObject({ code: 'MODEL_INPUT_INVALID', value: { feature: 'rating', row: 0 } });
    expect(await code(model.infer([{ name: 'float_input', datatype: 'FP64', shape: [1, 4], data: [1, 2, 3, 4] }]))).toMatchObject({
      code: 'MODEL_INPUT_INVALID',
      value: { expected: 'FP32' },
    });
    expect(await code(model.infer([{ name: 'float_input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }]))).toMatchObject({ code: 'MODEL_INPUT_INVALID' });
    expect(await code(model.predict([row], ['conv_rate', 'trips']))).toMatchObject({ code: 'MODEL_NOT_SERVABLE' });
  });

  it('feeds a null feature to a floating-point input as NaN, as pandas hands it to scikit-learn at training time', async () => {
    const model = await loadModel(store, artifacts, 'churn', 1);
    const result = await model.predict([{ conv_rate: 0.5, acc_rate: null, trips: 3, rating: 4 }], COLUMNS);
    // A logistic regression without an imputer has no answer for NaN: the score says so instead of an invented one.
    expect((result.outputs['probabilities'] as number[][])[0]?.every((p) => Number.isNaN(p))).toBe(true);
  });

  it('serves only the tensor outputs of a model exported with ZipMap on', async () => {
    const zipmap = await sklearnLogisticRegression({ ...dataset(200, 1), eval: evalRows, zipmap: true });
    await registerOnnxVersion(store, artifacts, 'zipped', { 'model.onnx': zipmap.bytes });
    const model = await loadModel(store, artifacts, 'zipped');
    expect(model.outputs.map((o) => o.name)).toEqual(['output_label']);
    expect((await model.predict(evalRows.map((r) => ({ float_input: r })))).predictions).toEqual(zipmap.label);
  });

  it("reads the ONNX file an MLmodel's onnx flavor names", async () => {
    const mlmodel =
      'artifact_path: model\nflavors:\n  python_function:\n    data: other.onnx\n  onnx:\n    data: lr.onnx\n    onnx_version: 1.23.2\nmodel_id: m-1\n';
    expect(onnxDataFile(mlmodel)).toBe('lr.onnx');
    await registerOnnxVersion(store, artifacts, 'mlflow-lr', { MLmodel: mlmodel, 'lr.onnx': lr.bytes });
    expect((await (await loadModel(store, artifacts, 'mlflow-lr')).predict(evalRows.map((r) => ({ float_input: r })))).predictions).toEqual(lr.label);
  });

  it('refuses versions without an ONNX file (MODEL_NOT_SERVABLE) or with bytes ONNX Runtime cannot load (MODEL_LOAD_FAILED)', async () => {
    await registerOnnxVersion(store, artifacts, 'empty', { 'README.md': 'no model here' });
    expect(await code(loadModel(store, artifacts, 'empty'))).toMatchObject({ code: 'MODEL_NOT_SERVABLE' });
    await registerOnnxVersion(store, artifacts, 'broken', { 'model.onnx': new Uint8Array([1, 2, 3, 4, 5]) });
    expect(await code(loadModel(store, artifacts, 'broken'))).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(await code(loadModel(store, artifacts, 'nobody'))).toMatchObject({ code: 'MODEL_STORE_NOT_FOUND' });
  });
});

describe('function models', () => {
  let loader: ModelLoader;
  beforeAll(async () => {
    const project = await Project.init(await tempDir('aquifer-function-models-'));
    const store = await openModelStore(project);
    afterAll(() => store.close());
    loader = new ModelLoader(store, ArtifactStore.forProject(project));
  });

  it('serve a function defined in code under its name, before any registered model', async () => {
    registerFunctionModel('double', (rows) => rows.map((r) => 2 * Number(r['x'])), { inputs: ['x'] });
    try {
      const model = await loader.load('double');
      expect(model.version).toBe('function');
      expect(await model.predict([{ x: 1 }, { x: 2.5 }])).toEqual({ predictions: [2, 5], outputs: { prediction: [2, 5] } });
      expect(await model.infer([{ name: 'x', datatype: 'FP64', shape: [2], data: [1, 3] }])).toEqual([
        { name: 'prediction', datatype: 'FP64', shape: [2], data: [2, 6] },
      ]);
    } finally {
      unregisterFunctionModel('double');
    }
  });

  it("report the function's failure as MODEL_LOAD_FAILED", async () => {
    registerFunctionModel('throws', () => {
      throw new Error('boom');
    });
    try {
      const model = await loader.load('throws');
      expect(await code(model.predict([{}]))).toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    } finally {
      unregisterFunctionModel('throws');
    }
  });
});
