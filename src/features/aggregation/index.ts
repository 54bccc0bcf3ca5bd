export {
  aggregationView,
  planAggregation,
  windowStart,
  tileStart,
  type AggregationPlan,
  type AggregationViewDefinition,
  type WindowedAggregate,
} from './aggregation-plan.js';
export { aggregateView, readAggregationMeta, type AggregateResult, type AggregateOptions, type AggregationMeta } from './stream-aggregator.js';
export { readAggregates, type AggregatedValues } from './read-aggregates.js';
export { pointInTimeAggregationSql } from './aggregation-sql.js';
export { planKinds, type ValueKind } from './slots.js';
