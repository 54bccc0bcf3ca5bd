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
// The values and the key live below the capabilities (the feature store masks recreated training sets with them); named here too, beside the policy.
export { hashesType, hashValue, maskSql, maskValue, REDACTED } from '../table/index.js';
export { projectSalt, saltFile } from '../project/index.js';
export { fieldTags, readTags } from './read-tags.js';
export { Masking, scanAs, type AppliedMask, type ValueMasker } from './reader-masking.js';
export { answerColumnTags, featureTags, maskOnlineAnswer, type FeatureColumnTags, type FeatureTags } from './feature-tags.js';
export { applyDefinitionTags, declaredDefinitionTags, type DefinitionTags } from './definition-tags.js';
export { recordUnmaskedRead, unmaskedReadsFile, type UnmaskedRead } from './unmasked-reads.js';
export { maskTrainingSet } from './training-set-masking.js';
export { datasetColumnTags, maskLineageAnswer } from './lineage-masking.js';
export { erase, prove, type EraseOptions, type ErasureReport, type ErasedTable, type ErasureProof } from './erase.js';
export { planErasure, type EraseRequest, type ErasePlan, type TablePlace, type OnlinePlace, type PlaceKind } from './erase-places.js';
export { MIN_SCANNED_BYTES } from './erase-scan.js';
export { EraseInvalidError, ErasureIncompleteError, type ErasureHit } from './errors.js';
