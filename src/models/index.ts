export * from './store/index.js';
export { ARTIFACTS_FOLDER, ArtifactStore, artifactsLocation, checkArtifactPath, type ArtifactEntry } from './artifacts/artifact-store.js';
export { artifactPath } from './artifacts/artifact-uri.js';
export * from './training/index.js';
export * from './registry/index.js';
export * from './serving/index.js';
export * from './retraining/index.js';
