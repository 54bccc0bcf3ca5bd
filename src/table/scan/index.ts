export { Scan, type ScanOptions, type ScanPlan } from './scan.js';
export { parsePredicate, type Predicate, type PredicateNode } from './predicate.js';
export { pruneFiles } from './file-pruning.js';
