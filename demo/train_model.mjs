// The demo's training command, written as a Node user would write one for `aquifer train`:
// read the training set Aquifer hands over (Parquet files and manifest.json in
// AQUIFER_TRAINING_DIR) with DuckDB, fit a logistic regression by gradient descent, and write
// it to AQUIFER_MODEL_DIR as an ONNX graph (missing values → 0, standardize, MatMul, Add,
// Sigmoid; outputs `label` and `probability`), with metrics.json beside it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const folder = process.env.AQUIFER_TRAINING_DIR;
const out = process.env.AQUIFER_MODEL_DIR;
const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'));
const features = manifest.featureColumns;
const label = manifest.label;

const db = await (await DuckDBInstance.create(':memory:')).connect();
const files = manifest.files.map((f) => `'${path.join(folder, f).replaceAll("'", "''")}'`).join(', ');
const reader = await db.runAndReadAll(
  `SELECT ${features.map((f) => `CAST("${f}" AS DOUBLE) AS "${f}"`).join(', ')}, CAST("${label}" AS INTEGER) AS y FROM read_parquet([${files}])`,
);
const rows = reader.getRowObjects();
const X = rows.map((r) => features.map((f) => (r[f] === null ? 0 : r[f])));
const y = rows.map((r) => Number(r.y));
const n = X.length;
const k = features.length;

// Standardize, fit, then fold the scaling back into the weights so the graph takes raw values.
const mean = features.map((_, j) => X.reduce((s, x) => s + x[j], 0) / n);
const std = features.map((_, j) => Math.sqrt(X.reduce((s, x) => s + (x[j] - mean[j]) ** 2, 0) / n) || 1);
const Z = X.map((x) => x.map((v, j) => (v - mean[j]) / std[j]));
const w = new Array(k).fill(0);
let b = 0;
const sigmoid = (t) => 1 / (1 + Math.exp(-t));
const losses = [];
for (let epoch = 0; epoch < 300; epoch++) {
  const gw = new Array(k).fill(0);
  let gb = 0;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const p = sigmoid(Z[i].reduce((s, v, j) => s + v * w[j], b));
    const e = p - y[i];
    for (let j = 0; j < k; j++) gw[j] += (e * Z[i][j]) / n;
    gb += e / n;
    loss -= (y[i] * Math.log(p + 1e-12) + (1 - y[i]) * Math.log(1 - p + 1e-12)) / n;
  }
  for (let j = 0; j < k; j++) w[j] -= 0.5 * gw[j];
  b -= 0.5 * gb;
  if (epoch % 100 === 0 || epoch === 299) losses.push(loss);
}
const weights = w.map((v, j) => v / std[j]);
const bias = b - w.reduce((s, v, j) => s + (v * mean[j]) / std[j], 0);
const correct = X.filter((x, i) => (sigmoid(x.reduce((s, v, j) => s + v * weights[j], bias)) > 0.5 ? 1 : 0) === y[i]).length;

const F = onnx.TensorProto.DataType.FLOAT;
const tensor = (name, dims, values, dataType = F) => onnx.TensorProto.create({ name, dims, dataType, floatData: values });
const info = (name, dims, elemType = F) =>
  onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
const node = (opType, input, output, attribute = []) => onnx.NodeProto.create({ opType, input, output, attribute });
const graph = onnx.GraphProto.create({
  name: 'purchase_propensity',
  node: [
    node('IsNaN', ['features'], ['missing']),
    node('Where', ['missing', 'zero', 'features'], ['filled']),
    node('MatMul', ['filled', 'weights'], ['logit_raw']),
    node('Add', ['logit_raw', 'bias'], ['logit']),
    node('Sigmoid', ['logit'], ['probability']),
    node('Greater', ['probability', 'half'], ['positive']),
    node('Cast', ['positive'], ['label'], [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: onnx.TensorProto.DataType.INT64 })]),
  ],
  initializer: [tensor('weights', [k, 1], weights), tensor('bias', [1], [bias]), tensor('zero', [], [0]), tensor('half', [], [0.5])],
  input: [info('features', ['N', k])],
  // The label first, as skl2onnx orders a classifier's outputs: the server answers the first as `predictions`.
  output: [info('label', ['N', 1], onnx.TensorProto.DataType.INT64), info('probability', ['N', 1])],
});
const model = onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'aquifer-demo', graph });
await writeFile(path.join(out, 'model.onnx'), onnx.ModelProto.encode(model).finish());
await writeFile(path.join(out, 'metrics.json'), JSON.stringify({ accuracy: correct / n, log_loss: losses }));
console.log(`fitted a logistic regression on ${n} rows and ${k} features: accuracy ${(correct / n).toFixed(3)}`);
