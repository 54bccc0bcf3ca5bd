/** Governance: column tags (personal data, sensitive, custom) kept in Delta column metadata, and where tagged data flowed. */
export { checkTag, flowsToDerived, isPii, MAX_TAG_LENGTH, MAX_TAGS_PER_COLUMN, PII, PII_KINDS, SENSITIVE, TAGS_KEY, tagsOf, withTags } from './tags.js';
export { tagColumns, type TagColumnsOptions, type TagColumnsResult } from './tag-columns.js';
export { governanceReport, type ColumnName, type GovernanceReport, type GovernanceReportOptions, type TaggedColumn } from './report.js';
export { tableTags, type TableTags } from './column-tags.js';
export { columnFlows, type ColumnFlow, type DatasetColumn } from './column-flow.js';
export { TagInvalidError } from './errors.js';
export { enforceRetention, type EnforceRetentionOptions, type RetentionReport, type RetentionTableResult } from './enforce-retention.js';
export { planRetention, type RetentionPlan, type RetentionRule, type RetentionSkip, type RetentionTarget } from './retention-plan.js';
