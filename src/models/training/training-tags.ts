/** The tags Aquifer puts on runs and model versions, beside MLflow's own `mlflow.*` tags. */
export const TRAINING_TAGS = {
  command: 'aquifer.command',
  model: 'aquifer.model',
  exitCode: 'aquifer.exit_code',
  gitDirty: 'aquifer.git.dirty',
  trainingSet: 'aquifer.training_set',
  trainingSetVersion: 'aquifer.training_set.version',
  trainingSetDigest: 'aquifer.training_set.digest',
  trainingSetRows: 'aquifer.training_set.rows',
  registryVersion: 'aquifer.feature_registry.version',
} as const;
