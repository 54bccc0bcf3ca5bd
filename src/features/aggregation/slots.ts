import type { DataType, StructType } from '../../table/index.js';
import { FeatureDefinitionError } from '../errors.js';
import type { AggregationPlan, WindowedAggregate } from './aggregation-plan.js';

/**
 * How a column's values are compared and added up. Integers stay exact (64-bit, as
 * decimal strings added with BigInt); decimals are aggregated as doubles, online and
 * offline alike.
 */
export type ValueKind = 'int' | 'float' | 'string' | 'bool' | 'time';

/** A partial aggregate kept per tile: windows combine the tiles' slots. */
export type SlotKind = 'rows' | 'count' | 'sum' | 'min' | 'max' | 'last' | 'distinct';

export interface Slot {
  id: string;
  kind: SlotKind;
  column: string | undefined;
}

/** The slots an aggregate reads: an average is a sum and a count. */
export function slotsOf(aggregate: WindowedAggregate): Slot[] {
  const slot = (kind: SlotKind): Slot => ({ id: aggregate.column === undefined ? kind : `${kind}:${aggregate.column}`, kind, column: aggregate.column });
  switch (aggregate.function) {
    case 'count':
      return [aggregate.column === undefined ? slot('rows') : slot('count')];
    case 'avg':
      return [slot('sum'), slot('count')];
    case 'count_distinct':
      return [slot('distinct')];
    default:
      return [slot(aggregate.function)];
  }
}

/** Every slot a plan needs, once each. */
export function planSlots(plan: AggregationPlan): Slot[] {
  const slots = new Map<string, Slot>();
  for (const aggregate of plan.aggregates) for (const slot of slotsOf(aggregate)) slots.set(slot.id, slot);
  return [...slots.values()];
}

/** The kind of a column's values, or a typed error when the aggregation cannot use it. */
export function valueKind(type: DataType, where: { view: string; column: string; function: string }): ValueKind {
  const name = type.kind === 'primitive' ? type.name : type.kind;
  if (['byte', 'short', 'integer', 'long'].includes(name)) return 'int';
  if (['float', 'double', 'decimal'].includes(name)) return 'float';
  if (name === 'string') return 'string';
  if (name === 'boolean') return 'bool';
  if (['date', 'timestamp', 'timestamp_ntz'].includes(name)) return 'time';
  throw new FeatureDefinitionError(
    'FEATURE_DEFINITION_TYPE_MISMATCH',
    `Aggregation view '${where.view}': ${where.function} cannot aggregate '${where.column}', a ${name} column`,
    where,
    'Aggregate numbers, strings, booleans or times; count rows for anything else.',
  );
}

/** Which functions make sense for which kinds of value. */
export function checkFunctionFits(aggregate: WindowedAggregate, kind: ValueKind, view: string): void {
  const numeric = kind === 'int' || kind === 'float';
  if ((aggregate.function === 'sum' || aggregate.function === 'avg') && !numeric) {
    throw new FeatureDefinitionError(
      'FEATURE_DEFINITION_TYPE_MISMATCH',
      `Aggregation view '${view}': ${aggregate.function} of '${aggregate.column ?? ''}' needs a numeric column`,
      { view, feature: aggregate.feature.name },
      'Sum and average numbers; use count, min, max, last or count_distinct for other values.',
    );
  }
  const declared = aggregate.feature.type;
  const integral = ['byte', 'short', 'integer', 'long'].includes(declared);
  const floating = declared === 'float' || declared === 'double';
  const fits =
    aggregate.function === 'count' || aggregate.function === 'count_distinct' || aggregate.function === 'avg'
      ? true
      : numeric
        ? floating || (integral && kind === 'int')
        : (kind === 'string' && declared === 'string') ||
          (kind === 'bool' && declared === 'boolean') ||
          (kind === 'time' && ['date', 'timestamp', 'timestamp_ntz'].includes(declared));
  if (!fits) {
    throw new FeatureDefinitionError(
      'FEATURE_DEFINITION_TYPE_MISMATCH',
      `Aggregation view '${view}': feature '${aggregate.feature.name}' is declared ${declared}, which a ${kind} column's ${aggregate.function} cannot give`,
      { view, feature: aggregate.feature.name },
      'Declare the type of the column (or double for numbers).',
    );
  }
}

/** The value kind of every column a plan aggregates, checked against the table's schema. */
export function planKinds(view: string, plan: AggregationPlan, schema: StructType): Record<string, ValueKind> {
  const kinds: Record<string, ValueKind> = {};
  for (const aggregate of plan.aggregates) {
    if (aggregate.column === undefined) continue;
    const field = schema.fields.find((f) => f.name === aggregate.column);
    if (field === undefined) {
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_UNKNOWN_COLUMN',
        `Aggregation view '${view}' aggregates '${aggregate.column}', which is not a column of its table (columns: ${schema.fields.map((f) => f.name).join(', ')})`,
        { view, column: aggregate.column },
        'Fix the column name in the aggregation.',
      );
    }
    const kind = valueKind(field.type, { view, column: aggregate.column, function: aggregate.function });
    checkFunctionFits(aggregate, kind, view);
    kinds[aggregate.column] = kind;
  }
  return kinds;
}
