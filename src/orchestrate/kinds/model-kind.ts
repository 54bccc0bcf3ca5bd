import { openModelStore, train } from '../../models/index.js';
import type { Asset } from '../definition.js';
import { AssetTrainingFailedError } from '../errors.js';
import { currentAttemptSignal } from '../run-series.js';
import { pinInput, type KindContext } from './context.js';

type ModelAsset = Extract<Asset, { kind: 'model' }>;

/**
 * A model asset: `train()` with the definition's command on the training set (as `aquifer
 * train MODEL --training-set SET -- COMMAND`), the run recorded in the model store and a
 * successful one registered as a new version (moved to `alias` when there is one). A command
 * that fails, or registers nothing, fails the asset. Returns the version registered.
 */
export async function runModelAsset(context: KindContext, asset: ModelAsset): Promise<number> {
  const { project, engine } = context;
  for (const dependency of context.asset.dependsOn) await pinInput(context, dependency);
  const model = asset.model ?? asset.name;
  const signal = currentAttemptSignal();
  const store = await openModelStore(project);
  try {
    const trained = await train(project, engine, store, {
      model,
      trainingSet: asset.trainingSet,
      command: asset.command,
      // In the project folder wherever the runner was started (an Airflow task runs in a temp folder), and
      // stopped with its attempt (a timeout or a cancel cannot reach a command through the engine).
      cwd: project.root,
      ...(signal === undefined ? {} : { signal }),
      ...(asset.label === undefined ? {} : { label: asset.label }),
      ...(asset.params === undefined ? {} : { params: asset.params }),
    });
    if (trained.version === undefined)
      throw new AssetTrainingFailedError(
        asset.name,
        trained.run.info.runId,
        trained.exitCode === 0 ? 'wrote no model, so no version was registered' : `exited with ${trained.exitCode}`,
      );
    if (asset.alias !== undefined) await store.setAlias(model, asset.alias, trained.version.version);
    return trained.version.version;
  } finally {
    await store.close();
  }
}
