export { deleteRows } from './delete.js';
export { updateRows, type Assignments } from './update.js';
export { dmlContext, type DmlContext, type DmlResult } from './dml-context.js';
export { matchedRows, touchedFiles, type MatchedRows, type TouchedFile } from './matched-rows.js';
export { writeDeletionVectors } from './deletion-vector-writer.js';
export {
  mergeRows,
  MergeError,
  type MergeOptions,
  type MergeAssignments,
  type MatchedClause,
  type NotMatchedClause,
  type NotMatchedBySourceClause,
} from './merge.js';
