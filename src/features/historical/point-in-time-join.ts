import { quoteIdent } from '../../engine/index.js';
import { FeatureDefinitionError } from '../errors.js';
import { durationSeconds } from '../definitions/duration.js';
import type { ResolvedView } from '../definitions/resolve.js';
import { planAggregation } from '../aggregation/aggregation-plan.js';
import { pointInTimeAggregationSql } from '../aggregation/aggregation-sql.js';
import type { ValueKind } from '../aggregation/slots.js';

export interface PointInTimeSource {
  resolved: ResolvedView;
  /** SQL reading the view's source (at a pinned version). */
  sql: string;
  /** For aggregation views: the aggregated columns' value kinds, from the pinned table's schema. */
  kinds?: Record<string, ValueKind>;
}

export interface PointInTimeJoinOptions {
  /** The entity rows' time column. */
  timestampColumn: string;
  /** Name features `view__feature` instead of `feature`. */
  fullFeatureNames: boolean;
  /** Keep the entity rows' number as column `aq_row`, for a caller that orders by it at its own top level. */
  keepRowNumber?: boolean;
}

/**
 * SQL joining each entity row to, for every feature view, the newest source row with
 * the same keys and an event time at or before the row's time (DuckDB ASOF JOIN, out
 * of core), NULL when that row is older than the view's TTL. Rows sharing keys and event
 * time are reduced first to the newest by created time, so ties break as in Feast.
 * Aggregation views instead aggregate, per entity row, the source rows in each window
 * ending at the row's time. Entity rows keep their order and multiplicity.
 */
export function pointInTimeJoinSql(
  entitySql: string,
  sources: readonly PointInTimeSource[],
  options: PointInTimeJoinOptions,
): { sql: string; featureColumns: string[] } {
  const ts = quoteIdent(options.timestampColumn);
  const ctes = [`aq_entities AS (SELECT *, row_number() OVER () AS aq_row FROM (${entitySql}))`];
  const selects: string[] = [];
  const joins: string[] = [];
  const featureColumns: string[] = [];
  const name = (view: string, feature: string) => {
    const column = options.fullFeatureNames ? `${view}__${feature}` : feature;
    if (featureColumns.includes(column)) {
      throw new FeatureDefinitionError(
        'FEATURE_COLUMNS_COLLIDE',
        `Two requested features are both named '${column}'`,
        column,
        'Ask for full feature names (view__feature), or request only one of them.',
      );
    }
    featureColumns.push(column);
    return quoteIdent(column);
  };
  sources.forEach(({ resolved, sql, kinds }, i) => {
    const { view, joinKeys, features } = resolved;
    const alias = `aq_v${i}`;
    if (view.aggregation !== undefined) {
      const plan = planAggregation(view.name, view.aggregation);
      ctes.push(pointInTimeAggregationSql(alias, sql, view.source, joinKeys, plan, kinds ?? {}, options.timestampColumn));
      joins.push(`LEFT JOIN ${alias} ON ${alias}.aq_row = e.aq_row`);
      for (const feature of features) {
        const aggregate = plan.aggregates.find((a) => a.feature.name === feature.name);
        const value = `${alias}.${quoteIdent(feature.name)}`;
        const counted = aggregate?.function === 'count' || aggregate?.function === 'count_distinct';
        selects.push(`${counted ? `coalesce(${value}, 0)` : value} AS ${name(view.name, feature.name)}`);
      }
      return;
    }
    const keys = joinKeys.map(quoteIdent);
    const eventTs = quoteIdent(view.source.timestampField);
    const created = view.source.createdTimestampField;
    const order = created === undefined ? '1' : `${quoteIdent(created)} DESC NULLS LAST`;
    const columns = features.map((f) => quoteIdent(f.name));
    ctes.push(
      `${alias} AS (SELECT ${[...keys, `${eventTs} AS aq_event_ts`, ...columns].join(', ')} FROM (${sql}) WHERE ${eventTs} IS NOT NULL QUALIFY row_number() OVER (PARTITION BY ${[...keys, eventTs].join(', ')} ORDER BY ${order}) = 1)`,
    );
    const on = [...joinKeys.map((k) => `e.${quoteIdent(k)} = ${alias}.${quoteIdent(k)}`), `e.${ts} >= ${alias}.aq_event_ts`].join(' AND ');
    joins.push(`ASOF LEFT JOIN ${alias} ON ${on}`);
    const ttl = view.ttl === undefined ? 0 : durationSeconds(view.ttl, `TTL of feature view '${view.name}'`, 'FEATURE_DEFINITION_TTL_INVALID');
    const fresh = ttl > 0 ? `${alias}.aq_event_ts >= e.${ts} - to_seconds(${ttl})` : `${alias}.aq_event_ts IS NOT NULL`;
    for (const feature of features) selects.push(`CASE WHEN ${fresh} THEN ${alias}.${quoteIdent(feature.name)} END AS ${name(view.name, feature.name)}`);
  });
  const entityColumns = options.keepRowNumber === true ? 'e.*' : 'e.* EXCLUDE (aq_row)';
  const sql = `WITH ${ctes.join(',\n')}\nSELECT ${entityColumns}${selects.map((s) => `, ${s}`).join('')} FROM aq_entities e ${joins.join(' ')} ORDER BY e.aq_row`;
  return { sql, featureColumns };
}
