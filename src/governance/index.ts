/** Governance: column tags (personal data, sensitive, custom) kept in Delta column metadata, and where tagged data flowed. */
export { checkTag, flowsToDerived, isPii, MAX_TAG_LENGTH, MAX_TAGS_PER_COLUMN, PII, PII_KINDS, SENSITIVE, TAGS_KEY, tagsOf, withTags } from './tags.js';
export { tagColumns, type TagColumnsOptions, type TagColumnsResult } from './tag-columns.js';
export { governanceReport, type ColumnName, type GovernanceReport, type GovernanceReportOptions, type TaggedColumn } from './report.js';
export { tableTags, type TableTags } from './column-tags.js';
export { columnFlows, type ColumnFlow, type DatasetColumn } from './column-flow.js';
export { TagInvalidError } from './errors.js';
export { enforceRetention, type EnforceRetentionOptions, type RetentionReport, type RetentionTableResult } from './enforce-retention.js';
export { planRetention, type RetentionPlan, type RetentionRule, type RetentionSkip, type RetentionTarget } from './retention-plan.js';
export { GRANT_SCOPES, MASK_STRATEGIES, maskStrategy, PII_SCOPE, readsClear, type MaskingPolicy, type MaskStrategy, type Reader } from './masking-policy.js';
export { hashValue, maskSql, maskValue, REDACTED } from './mask-values.js';
export { projectSalt, saltFile } from './masking-salt.js';
export { Masking, scanAs, type AppliedMask, type ValueMasker } from './reader-masking.js';
export { answerColumnTags, featureTags, maskOnlineAnswer, type FeatureColumnTags, type FeatureTags } from './feature-tags.js';
export { applyDefinitionTags, declaredDefinitionTags, type DefinitionTags } from './definition-tags.js';
export { recordUnmaskedRead, unmaskedReadsFile, type UnmaskedRead } from './unmasked-reads.js';
export { maskTrainingSet } from './training-set-masking.js';
export { datasetColumnTags, maskLineageAnswer } from './lineage-masking.js';
