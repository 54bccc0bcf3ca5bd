export {
  entity,
  featureView,
  featureService,
  onDemandFeatureView,
  AGGREGATION_FUNCTIONS,
  type Aggregation,
  type AggregationFunction,
  type WindowAggregation,
  type OnDemandFeatureView,
  type Entity,
  type FeatureView,
  type FeatureService,
  type FeatureDefinition,
  type FeatureRepository,
  type TableSource,
} from './definitions/definitions.js';
export { durationSeconds } from './definitions/duration.js';
export { resolveFeatures, type ResolvedView } from './definitions/resolve.js';
export { featureViewId, servedSources, type ServedSources } from './feature-view-lineage.js';
export { FeatureStore, type HistoricalFeaturesRequest, type OnlineFeaturesRequest } from './feature-store.js';
export { entityKey, isNewer, checkKeySize, MAX_ONLINE_KEY_BYTES, type OnlineStore, type OnlineRow } from './online/online-store.js';
export { PUSH_TARGETS, type PushRequest, type PushResult, type PushTarget } from './push/push.js';
export { parseEventTime } from './push/push-values.js';
export { checkLmdbRebuildable, LmdbOnlineStore, rebuildLmdb } from './online/lmdb-online-store.js';
export { RedisOnlineStore } from './online/redis-online-store.js';
export { materializeView, type MaterializeResult } from './online/materialize.js';
export { readOnlineFeatures, type OnlineFeaturesResponse } from './online/online-features.js';
export {
  TrainingSet,
  trainingSetDefinition,
  TRAINING_SET_PROPERTY,
  TRAINING_SET_ERASURES_PROPERTY,
  type TrainingSetDefinition,
  type TrainingSetMasking,
  type PinnedSource,
} from './historical/training-set.js';
export { pointInTimeJoinSql } from './historical/point-in-time-join.js';
export { FeatureDefinitionError, FeatureNotFoundError, type FeatureErrorCode } from './errors.js';
export { openFeatureStore, openAppliedFeatureStore, openOnlineStore, readProjectDefinitions, checkShape, type AppliedStoreOptions } from './project-store.js';
export { FeatureRegistry, type RegistryEntry, type RegistryPlan } from './registry/registry.js';
export { validateRepository } from './registry/validate.js';
export { planSuites, describeProblem, SuitePlanError, type SuitePlanProblem, type AppliedSuite, type SuitesPlan } from './registry/quality-suites.js';
export {
  aggregationView,
  planAggregation,
  readAggregates,
  readAggregationMeta,
  type AggregationViewDefinition,
  type AggregateResult,
  type AggregateOptions,
  type AggregatedValues,
} from './aggregation/index.js';
