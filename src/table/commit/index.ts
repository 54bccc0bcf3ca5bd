export { commitOutcomeUnknown, commitTransaction, ENGINE_INFO, type CommitRequest, type CommitResult } from './transaction.js';
export { checkConflicts, fileKey, type TransactionFootprint } from './conflict-checker.js';
export { checkWriteSupport, impliedWriterFeatures, withReaderWriterFeature, withWriterFeature } from './writer-support.js';
