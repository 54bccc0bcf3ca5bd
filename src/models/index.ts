export * from './store/index.js';
export { ArtifactStore, checkArtifactPath, type ArtifactEntry } from './artifacts/artifact-store.js';
export * from './serving/index.js';
