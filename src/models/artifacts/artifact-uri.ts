import { AquiferError } from '../../errors.js';
import { checkArtifactPath } from './artifact-store.js';

/** The artifact store path an `mlflow-artifacts:/…` URI names (the only scheme this store hands out). */
export function artifactPath(uri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/(.*)$/.exec(uri);
  if (match === null) {
    throw new AquiferError('MODEL_ARTIFACT_PATH_INVALID', `Not an artifact URI of this project: ${JSON.stringify(uri)}`, {
      value: uri,
      hint: 'Artifact URIs here start with mlflow-artifacts:/.',
    });
  }
  return checkArtifactPath(match[1] as string);
}
