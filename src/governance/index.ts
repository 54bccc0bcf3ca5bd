/** Governance: column tags (personal data, sensitive, custom) kept in Delta column metadata, and where tagged data flowed. */
export { checkTag, flowsToDerived, isPii, MAX_TAG_LENGTH, MAX_TAGS_PER_COLUMN, PII, PII_KINDS, SENSITIVE, TAGS_KEY, tagsOf, withTags } from './tags.js';
export { tagColumns, type TagColumnsOptions, type TagColumnsResult } from './tag-columns.js';
export { governanceReport, type ColumnName, type GovernanceReport, type GovernanceReportOptions, type TaggedColumn } from './report.js';
export { columnFlows, type ColumnFlow, type DatasetColumn } from './column-flow.js';
export { TagInvalidError } from './errors.js';
export { erase, prove, type EraseOptions, type ErasureReport, type ErasedTable, type ErasureProof } from './erase.js';
export { planErasure, type EraseRequest, type ErasePlan, type TablePlace, type OnlinePlace, type PlaceKind } from './erase-places.js';
export { MIN_SCANNED_BYTES } from './erase-scan.js';
export { EraseInvalidError, ErasureIncompleteError, type ErasureHit } from './errors.js';
