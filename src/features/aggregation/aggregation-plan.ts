import type { PrimitiveTypeName } from '../../table/index.js';
import {
  AGGREGATION_FUNCTIONS,
  type Aggregation,
  type AggregationFunction,
  type FeatureDefinition,
  type FeatureView,
  type WindowAggregation,
} from '../definitions/definitions.js';
import { durationSeconds } from '../definitions/duration.js';
import { FeatureDefinitionError } from '../errors.js';

/** One aggregation with its window resolved to milliseconds and its feature named and typed. */
export interface WindowedAggregate {
  feature: FeatureDefinition;
  function: AggregationFunction;
  column: string | undefined;
  windowMs: number;
  tumbling: boolean;
}

/** An aggregation view's tiles and windows, checked. */
export interface AggregationPlan {
  intervalMs: number;
  aggregates: WindowedAggregate[];
  /** The longest window: how far back tiles are kept. */
  maxWindowMs: number;
}

/** The definition an aggregation view is written as: a feature view whose features come from its aggregations. */
export type AggregationViewDefinition = Omit<FeatureView, 'features' | 'aggregation' | 'ttl'> & WindowAggregation;

/** Define an aggregation view; its features (names and types) follow from the aggregations. */
export function aggregationView(definition: AggregationViewDefinition): FeatureView {
  const { interval, aggregations, ...view } = definition;
  const aggregation: WindowAggregation = { interval, aggregations };
  const features = planAggregation(view.name, aggregation).aggregates.map((a) => a.feature);
  return { ...view, features, aggregation };
}

/** Resolve and check a view's aggregations; every problem is a typed error naming the view. */
export function planAggregation(viewName: string, aggregation: WindowAggregation): AggregationPlan {
  const where = `aggregation view '${viewName}'`;
  const intervalSeconds = durationSeconds(aggregation.interval, `Interval of ${where}`, 'FEATURE_DEFINITION_DURATION_INVALID');
  if (intervalSeconds < 1 || !Number.isInteger(intervalSeconds)) {
    throw new FeatureDefinitionError(
      'FEATURE_DEFINITION_DURATION_INVALID',
      `The interval of ${where} must be a whole number of seconds, at least 1`,
      aggregation.interval,
      "Use an interval like '1m' or '10m'.",
    );
  }
  const intervalMs = intervalSeconds * 1000;
  if (aggregation.aggregations.length === 0)
    throw new FeatureDefinitionError('FEATURE_DEFINITION_AGGREGATION_INVALID', `${where} has no aggregations`, viewName, 'List at least one aggregation.');
  const names = new Set<string>();
  const aggregates = aggregation.aggregations.map((a) => {
    if (!(AGGREGATION_FUNCTIONS as readonly string[]).includes(a.function)) {
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_AGGREGATION_INVALID',
        `${where}: '${String(a.function)}' is not an aggregation function`,
        a.function,
        `Use one of: ${AGGREGATION_FUNCTIONS.join(', ')}.`,
      );
    }
    if (a.column === undefined && a.function !== 'count')
      throw new FeatureDefinitionError('FEATURE_DEFINITION_AGGREGATION_INVALID', `${where}: ${a.function} needs a column`, a, 'Name the column it aggregates.');
    const windowSeconds = durationSeconds(a.window, `Window of ${where}`, 'FEATURE_DEFINITION_DURATION_INVALID');
    if (windowSeconds <= 0 || (windowSeconds * 1000) % intervalMs !== 0) {
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_DURATION_INVALID',
        `${where}: the window ${String(a.window)} is not a whole number of intervals (${String(aggregation.interval)})`,
        a.window,
        'Make every window a multiple of the interval, or shorten the interval.',
      );
    }
    const name = a.name ?? defaultName(a);
    if (names.has(name))
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_DUPLICATE',
        `${where} defines the feature '${name}' twice`,
        name,
        'Give one of the aggregations its own name.',
      );
    names.add(name);
    const type = outputType(a, where);
    return { feature: { name, type }, function: a.function, column: a.column, windowMs: windowSeconds * 1000, tumbling: a.windowType === 'tumbling' };
  });
  return { intervalMs, aggregates, maxWindowMs: Math.max(...aggregates.map((a) => a.windowMs)) };
}

function defaultName(a: Aggregation): string {
  const window = typeof a.window === 'number' ? `${a.window}s` : a.window.replace(/\s+/g, '');
  return [a.function, a.column, window]
    .filter((part) => part !== undefined)
    .join('_')
    .replace(/[^A-Za-z0-9_]/g, '_');
}

function outputType(a: Aggregation, where: string): PrimitiveTypeName {
  const fixed: Partial<Record<AggregationFunction, PrimitiveTypeName>> = { count: 'long', count_distinct: 'long', avg: 'double' };
  const required = fixed[a.function];
  if (required !== undefined && a.type !== undefined && a.type !== required) {
    throw new FeatureDefinitionError(
      'FEATURE_DEFINITION_TYPE_MISMATCH',
      `${where}: ${a.function} gives a ${required}, not a ${a.type}`,
      a,
      `Drop the type, or declare ${required}.`,
    );
  }
  return required ?? a.type ?? 'double';
}

/** Start of the tile holding `ms` (tiles are epoch-aligned). */
export function tileStart(ms: number, intervalMs: number): number {
  return Math.floor(ms / intervalMs) * intervalMs;
}

/**
 * The earliest time a window answering "as of `atMs`" covers: a sliding window spans
 * the tile `atMs` falls in and the tiles before it, a whole window's worth; a tumbling
 * window starts at the epoch-aligned window boundary.
 */
export function windowStart(atMs: number, aggregate: WindowedAggregate, intervalMs: number): number {
  return aggregate.tumbling ? tileStart(atMs, aggregate.windowMs) : tileStart(atMs, intervalMs) + intervalMs - aggregate.windowMs;
}

/** `windowStart` in SQL, over a microsecond epoch expression. */
export function windowStartSql(atUs: string, aggregate: WindowedAggregate, intervalMs: number): string {
  const floor = (unitUs: number) => `(${atUs} - ((${atUs} % ${unitUs}) + ${unitUs}) % ${unitUs})`;
  return aggregate.tumbling ? floor(aggregate.windowMs * 1000) : `(${floor(intervalMs * 1000)} + ${(intervalMs - aggregate.windowMs) * 1000})`;
}

/** Floor a microsecond epoch expression to its tile, in milliseconds. */
export function tileStartSql(us: string, intervalMs: number): string {
  const unit = intervalMs * 1000;
  return `((${us} - ((${us} % ${unit}) + ${unit}) % ${unit}) // 1000)`;
}
