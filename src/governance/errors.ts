import { AquiferError } from '../errors.js';

/** A tag that breaks the rules (charset, length), or too many tags on one column. */
export class TagInvalidError extends AquiferError {
  constructor(code: 'GOVERNANCE_TAG_INVALID' | 'GOVERNANCE_TAG_LIMIT', message: string, value: unknown, hint: string) {
    super(code, message, { value, hint });
  }
}

/** An erasure request that names nothing to erase, or names it in a form that cannot be used. */
export class EraseInvalidError extends AquiferError {
  constructor(message: string, value: unknown, hint: string) {
    super('GOVERNANCE_ERASE_INVALID', message, { value, hint });
  }
}

/** Where the proof scan still found an erased value: a file (relative to its root) or an online store key. */
export interface ErasureHit {
  /** The project folder, a table location outside it, the S3 table root, or `redis`. */
  root: string;
  /** The file under the root, or the Redis key. */
  path: string;
  /**
   * How it was found: in the raw bytes, in Parquet values once decoded, in the file's or a
   * folder's name, or in a Redis key or value; `unreadable`: a Parquet file that could not be
   * decoded, so cannot be shown clean (it names every value).
   */
  found: 'bytes' | 'parquet' | 'path' | 'redis' | 'unreadable';
  /** Which erased values (their positions in the erasure's list, never the values themselves). */
  values: number[];
}

/** The proof scan found erased values left somewhere: the erasure is not complete. */
export class ErasureIncompleteError extends AquiferError {
  constructor(readonly hits: readonly ErasureHit[]) {
    super(
      'GOVERNANCE_ERASE_INCOMPLETE',
      `Erased values are still present in ${hits.length} place(s): ${hits
        .slice(0, 10)
        .map((h) => `${h.root}:${h.path} (${h.found})`)
        .join(', ')}${hits.length > 10 ? ', …' : ''}`,
      {
        value: hits,
        hint: 'Erase again once whatever still holds them (a writer, a copy outside the project) is stopped; the hits list each place.',
      },
    );
  }
}
