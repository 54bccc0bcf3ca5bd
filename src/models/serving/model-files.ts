import { AquiferError } from '../../errors.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { artifactPath } from '../artifacts/artifact-uri.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelVersion } from '../store/types.js';

/**
 * The artifact folder of a version's model files: the logged model's artifacts for MLflow 3
 * versions (`models:/m-…` or a version with a model id), a run's artifact subfolder for
 * `runs:/RUN/path`, or the path of an `mlflow-artifacts:/…` URI.
 */
export async function versionArtifactFolder(store: ModelStore, version: ModelVersion): Promise<string> {
  const source = version.source;
  const modelId = version.modelId ?? (source.startsWith('models:/m-') ? source.slice('models:/'.length) : undefined);
  // A version outlives a deleted logged model: its files stay, as in MLflow.
  if (modelId !== undefined) return artifactPath((await store.getLoggedModel(modelId, { allowDeleted: true })).artifactLocation);
  const run = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
  if (run !== null) {
    const root = artifactPath((await store.getRun(run[1] as string)).info.artifactUri);
    return run[2] === undefined || run[2] === '' ? root : `${root}/${run[2].replace(/\/+$/, '')}`;
  }
  if (source.startsWith('mlflow-artifacts:')) return artifactPath(source);
  throw new AquiferError('MODEL_NOT_SERVABLE', `${version.name} version ${version.version} has a source Aquifer cannot read: ${source}`, {
    value: { model: version.name, version: String(version.version), source },
    hint: 'Register versions from a logged model (models:/m-…), a run (runs:/RUN/path) or mlflow-artifacts:/ URIs.',
  });
}

/**
 * The bytes of a version's ONNX file: the file an `MLmodel`'s `flavors.onnx.data` names,
 * else `model.onnx`. MODEL_NOT_SERVABLE when the folder holds neither.
 */
export async function onnxBytes(store: ModelStore, artifacts: ArtifactStore, version: ModelVersion): Promise<Uint8Array> {
  const folder = await versionArtifactFolder(store, version);
  const mlmodel = await artifacts.find(`${folder}/MLmodel`);
  const file = (mlmodel === undefined ? undefined : onnxDataFile(Buffer.from(mlmodel).toString('utf8'))) ?? 'model.onnx';
  const bytes = await artifacts.find(`${folder}/${file}`);
  if (bytes === undefined)
    throw new AquiferError('MODEL_NOT_SERVABLE', `${version.name} version ${version.version} has no ONNX file (${file}) among its artifacts`, {
      value: { model: version.name, version: String(version.version), artifacts: folder },
      hint: 'Log the model as ONNX (mlflow.onnx.log_model, or model.onnx among the logged model’s artifacts).',
    });
  return bytes;
}

/**
 * `flavors.onnx.data` of an MLmodel file. MLflow writes it as block YAML
 * (`flavors:` / `  onnx:` / `    data: model.onnx`); this reads that shape and no other,
 * which is all MLflow produces.
 */
export function onnxDataFile(mlmodel: string): string | undefined {
  const lines = mlmodel.split(/\r?\n/);
  let inFlavors = false;
  let onnxIndent: number | undefined;
  for (const line of lines) {
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      inFlavors = line.startsWith('flavors:');
      onnxIndent = undefined;
      continue;
    }
    if (!inFlavors) continue;
    if (onnxIndent === undefined) {
      if (/^\s+onnx:\s*$/.test(line)) onnxIndent = indent;
      continue;
    }
    if (indent <= onnxIndent) {
      onnxIndent = /^\s+onnx:\s*$/.test(line) ? indent : undefined;
      continue;
    }
    const match = /^\s+data:\s*(.+?)\s*$/.exec(line);
    if (match !== null) return (match[1] as string).replace(/^['"]|['"]$/g, '');
  }
  return undefined;
}
