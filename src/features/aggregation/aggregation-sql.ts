import { quoteIdent } from '../../engine/index.js';
import { toDuckDBType, primitive } from '../../table/index.js';
import type { TableSource } from '../definitions/definitions.js';
import { tileStartSql, windowStartSql, type AggregationPlan, type WindowedAggregate } from './aggregation-plan.js';
import { planSlots, type Slot, type ValueKind } from './slots.js';

/** Created times absent: they sort before any real one. */
const NO_CREATED_US = '-4611686018427387904';

/** A column's value as its kind is aggregated. */
function valueSql(column: string, kind: ValueKind): string {
  const c = quoteIdent(column);
  switch (kind) {
    case 'int':
      return `CAST(${c} AS BIGINT)`;
    case 'float':
      return `CAST(${c} AS DOUBLE)`;
    case 'string':
      return `CAST(${c} AS VARCHAR)`;
    default:
      return c;
  }
}

/** The source rows an aggregation reads: keys, event and created time in µs, and the aggregated columns. */
function sourceRowsSql(sourceSql: string, source: TableSource, keys: readonly string[], kinds: Readonly<Record<string, ValueKind>>): string {
  const ts = quoteIdent(source.timestampField);
  const created =
    source.createdTimestampField === undefined ? NO_CREATED_US : `coalesce(epoch_us(${quoteIdent(source.createdTimestampField)}), ${NO_CREATED_US})`;
  const columns = Object.entries(kinds).map(([column, kind]) => `${valueSql(column, kind)} AS ${quoteIdent(column)}`);
  return `SELECT ${[...keys.map(quoteIdent), `epoch_us(${ts}) AS aq_us`, `${created} AS aq_created`, ...columns].join(', ')} FROM (${sourceSql}) WHERE ${ts} IS NOT NULL`;
}

/** The native aggregate of one slot over the rows in scope (`filter`: an extra condition, or none). */
function slotAggregateSql(slot: Slot, filter: string | undefined, alias = ''): string {
  const c = slot.column === undefined ? '' : `${alias}${quoteIdent(slot.column)}`;
  const where = (condition: string | undefined) => (condition === undefined ? '' : ` FILTER (WHERE ${condition})`);
  const notNull = [filter, `${c} IS NOT NULL`].filter((x) => x !== undefined).join(' AND ');
  switch (slot.kind) {
    case 'rows':
      return `count(*)${where(filter)}`;
    case 'count':
      return `count(${c})${where(filter)}`;
    case 'sum':
      return `sum(${c})${where(filter)}`;
    case 'min':
      return `min(${c})${where(filter)}`;
    case 'max':
      return `max(${c})${where(filter)}`;
    case 'last':
      return `max(struct_pack(t := ${alias}aq_us, c := ${alias}aq_created, v := ${c}))${where(notNull)}`;
    case 'distinct':
      return `list(DISTINCT CAST(${c} AS VARCHAR))${where(notNull)}`;
  }
}

/** A native slot value made JSON-exact: 64-bit integers and times as strings. */
function slotJsonSql(slot: Slot, kind: ValueKind | undefined, value: string): string {
  const exact = kind === 'int' || kind === 'time';
  if (slot.kind === 'sum' && kind === 'int') return `CAST(${value} AS VARCHAR)`;
  if ((slot.kind === 'min' || slot.kind === 'max') && exact) return `CAST(${value} AS VARCHAR)`;
  if (slot.kind === 'last') {
    const v = exact ? `CAST(${value}.v AS VARCHAR)` : `${value}.v`;
    return `CASE WHEN ${value} IS NULL THEN NULL ELSE struct_pack(t := ${value}.t, c := ${value}.c, v := ${v}) END`;
  }
  return value;
}

/**
 * Partial aggregates per entity and tile over some source rows (the rows new commits
 * added, or the whole table on a rebuild), ordered by entity so each one's tiles arrive
 * together. Columns: the keys, `aq_tile` (tile start, ms), `aq_newest` (ms) and one per slot.
 */
export function tilePartialsSql(
  sourceSql: string,
  source: TableSource,
  keys: readonly string[],
  plan: AggregationPlan,
  kinds: Readonly<Record<string, ValueKind>>,
): { sql: string; slots: Slot[] } {
  const slots = planSlots(plan);
  const keyList = keys.map(quoteIdent).join(', ');
  const inner = `SELECT ${keyList}, ${tileStartSql('aq_us', plan.intervalMs)} AS aq_tile, max(aq_us) // 1000 AS aq_newest, ${slots
    .map((slot, i) => `${slotAggregateSql(slot, undefined)} AS aq_s${i}`)
    .join(', ')} FROM (${sourceRowsSql(sourceSql, source, keys, kinds)}) GROUP BY ${keyList}, aq_tile`;
  const outer = slots.map((slot, i) => `${slotJsonSql(slot, slot.column === undefined ? undefined : kinds[slot.column], `aq_s${i}`)} AS aq_s${i}`);
  return { sql: `SELECT ${keyList}, aq_tile, aq_newest, ${outer.join(', ')} FROM (${inner}) ORDER BY ${keyList}, aq_tile`, slots };
}

/** One windowed aggregate's final value, in the feature's declared type, over joined rows `s` of entity row `e`. */
function finalAggregateSql(aggregate: WindowedAggregate, inWindow: string): string {
  const type = toDuckDBType(primitive(aggregate.feature.type));
  const c = aggregate.column === undefined ? '' : `s.${quoteIdent(aggregate.column)}`;
  const filter = ` FILTER (WHERE ${inWindow})`;
  const filterNotNull = ` FILTER (WHERE ${inWindow} AND ${c} IS NOT NULL)`;
  switch (aggregate.function) {
    case 'count':
      return aggregate.column === undefined ? `count(*)${filter}` : `count(${c})${filter}`;
    case 'count_distinct':
      return `count(DISTINCT ${c})${filter}`;
    case 'avg':
      return `CAST(avg(${c})${filter} AS DOUBLE)`;
    case 'last':
      return `CAST((max(struct_pack(t := s.aq_us, c := s.aq_created, v := ${c}))${filterNotNull}).v AS ${type})`;
    default:
      return `CAST(${aggregate.function}(${c})${filter} AS ${type})`;
  }
}

/**
 * A CTE computing, for every entity row (`aq_entities`, with `aq_row`), each windowed
 * aggregate over the source rows with the same keys and an event time in the window
 * ending at the row's time: the source rows are range-joined to the entity rows by key
 * and time, and each window filters its share. Entity rows with no source rows in any
 * window are absent (the caller's LEFT JOIN gives counts 0).
 */
export function pointInTimeAggregationSql(
  alias: string,
  sourceSql: string,
  source: TableSource,
  keys: readonly string[],
  plan: AggregationPlan,
  kinds: Readonly<Record<string, ValueKind>>,
  timestampColumn: string,
): string {
  const atUs = `epoch_us(e.${quoteIdent(timestampColumn)})`;
  const starts = plan.aggregates.map((a) => windowStartSql(atUs, a, plan.intervalMs));
  const earliest = starts.length === 1 ? (starts[0] as string) : `least(${starts.join(', ')})`;
  const on = [...keys.map((k) => `e.${quoteIdent(k)} = s.${quoteIdent(k)}`), `s.aq_us <= ${atUs}`, `s.aq_us >= ${earliest}`].join(' AND ');
  const aggregates = plan.aggregates.map((a, i) => `${finalAggregateSql(a, `s.aq_us >= ${starts[i] as string}`)} AS ${quoteIdent(a.feature.name)}`);
  return `${alias} AS (SELECT e.aq_row, ${aggregates.join(', ')} FROM aq_entities e JOIN (${sourceRowsSql(sourceSql, source, keys, kinds)}) s ON ${on} GROUP BY e.aq_row)`;
}
