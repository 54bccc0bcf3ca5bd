import { AquiferError } from '../errors.js';

export class ObjectNotFoundError extends AquiferError {
  constructor(path: string, cause?: unknown) {
    super('STORAGE_NOT_FOUND', `No object at ${path}`, {
      value: path,
      hint: 'Check the path; the file may have been removed by vacuum or never written.',
      cause,
    });
  }
}

export class ObjectAlreadyExistsError extends AquiferError {
  constructor(path: string) {
    super('STORAGE_ALREADY_EXISTS', `An object already exists at ${path}`, {
      value: path,
      hint: 'Another writer got there first; re-read and retry.',
    });
  }
}

export class StorageError extends AquiferError {
  constructor(message: string, path: string, cause?: unknown) {
    super('STORAGE_FAILED', message, { value: path, hint: 'Check permissions and free space at that location.', cause });
  }
}
