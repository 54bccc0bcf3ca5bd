export { entity, featureView, featureService, type Entity, type FeatureView, type FeatureService, type FeatureDefinition, type FeatureRepository, type TableSource } from './definitions/definitions.js';
export { durationSeconds } from './definitions/duration.js';
export { resolveFeatures, type ResolvedView } from './definitions/resolve.js';
export { FeatureStore, type HistoricalFeaturesRequest } from './feature-store.js';
export { TrainingSet, trainingSetDefinition, TRAINING_SET_PROPERTY, type TrainingSetDefinition, type PinnedSource } from './historical/training-set.js';
export { pointInTimeJoinSql } from './historical/point-in-time-join.js';
export { FeatureDefinitionError, FeatureNotFoundError } from './errors.js';
