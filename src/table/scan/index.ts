export { Scan, ROW_FILE_COLUMN, ROW_INDEX_COLUMN, type ScanOptions, type ScanPlan } from './scan.js';
export { parsePredicate, type Predicate, type PredicateNode } from './predicate.js';
export { pruneFiles } from './file-pruning.js';
export type { ColumnMask, MaskedColumn } from './column-mask.js';
export { hashesType, hashValue, MASK_STRATEGIES, maskSql, maskValue, REDACTED, type MaskStrategy } from './mask-values.js';
