export { AquiferError, isAquiferError, describeError } from './errors.js';
export * from './table/index.js';
export { Engine, type EngineOptions, sharedEngine } from './engine/index.js';
export { LocalObjectStore, type ObjectStore, type ObjectMeta } from './storage/index.js';
export { Project, type ProjectConfig } from './project/index.js';
