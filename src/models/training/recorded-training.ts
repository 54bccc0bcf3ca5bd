import { AquiferError } from '../../errors.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { artifactPath } from '../artifacts/artifact-uri.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelVersion } from '../store/types.js';
import { TRAINING_TAGS } from './training-tags.js';

/** How a version was trained, as train() recorded it: what rerunning it needs. Absent fields were not recorded. */
export interface RecordedTraining {
  /** The command, as run without a shell. */
  command?: string[];
  params: Record<string, string>;
  /** The label column the command was told about (the manifest kept as the run's artifact). */
  label?: string;
  /** The run's experiment. */
  experiment?: string;
  /** The saved training set it learned from. */
  trainingSet?: string;
}

/**
 * Read back how a version was trained: the run's command and params, its experiment, the
 * label from the manifest train() kept, and the training set. A version registered through
 * MLflow alone records only what its run logged.
 */
export async function recordedTraining(store: ModelStore, artifacts: ArtifactStore, version: ModelVersion): Promise<RecordedTraining> {
  const trainingSet = version.tags.find((t) => t.key === TRAINING_TAGS.trainingSet)?.value;
  const recorded: RecordedTraining = { params: {}, ...(trainingSet === undefined ? {} : { trainingSet }) };
  if (version.runId === null) return recorded;
  const run = await store.getRun(version.runId);
  const command = run.tags.find((t) => t.key === TRAINING_TAGS.command)?.value;
  const label = await manifestLabel(artifacts, `${artifactPath(run.info.artifactUri)}/training-set/manifest.json`);
  return {
    ...recorded,
    params: Object.fromEntries(run.params.map((p) => [p.key, p.value])),
    experiment: (await store.getExperiment(run.info.experimentId)).name,
    ...(command === undefined ? {} : { command: JSON.parse(command) as string[] }),
    ...(label === undefined ? {} : { label }),
  };
}

async function manifestLabel(artifacts: ArtifactStore, path: string): Promise<string | undefined> {
  try {
    const manifest = JSON.parse(new TextDecoder().decode(await artifacts.get(path))) as { label?: unknown };
    return typeof manifest.label === 'string' ? manifest.label : undefined;
  } catch (error) {
    // A run that was not train()'s has no manifest.
    if (error instanceof AquiferError && error.code === 'MODEL_ARTIFACT_NOT_FOUND') return undefined;
    throw error;
  }
}
