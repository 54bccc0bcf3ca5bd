export type * from './store/types.js';
export type { ModelStore } from './store/model-store.js';
export { ArtifactStore, checkArtifactPath, type ArtifactEntry } from './artifacts/artifact-store.js';
export * from './serving/index.js';
