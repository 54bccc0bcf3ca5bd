export type { ListOptions, ObjectMeta, ObjectStore, PutOptions } from './object-store.js';
export { LocalObjectStore, type LocalStoreOptions } from './local-object-store.js';
export { ObjectAlreadyExistsError, ObjectNotFoundError, StorageError } from './errors.js';
