import { z } from 'zod';
import { column, COMMON, mostly } from './kwargs.js';
import { defineAggregate, defineMap, type AggregateExpectation, type DataFacts, type DataShape, type ExpectationDefinition } from './definition.js';
import { pandasDtype, pythonClass, typeMatches } from './pandas-values.js';
import { col, missing } from './sql.js';
import { jsonValue } from '../validate/results.js';

const ofTypeKwargs = z.strictObject({ column, type_: z.string().min(1).max(200), mostly, ...COMMON });
type OfTypeKwargs = z.infer<typeof ofTypeKwargs>;

/** Names under which GE keeps the aggregate form even on an object column. */
const OBJECT_NAMES = new Set(['object', 'object_', 'O']);

/**
 * GE's to_be_of_type on pandas has two forms (docs/ge-semantics.md §4): on a non-object dtype
 * it compares the dtype and reports it as `observed_value`; on an object dtype (strings, dates,
 * decimals, bytes, a boolean column with a null) it checks each value's class, a per-row result.
 */
const dtypeAggregate = defineAggregate<OfTypeKwargs>({
  family: 'column_aggregate',
  kwargs: ofTypeKwargs,
  columns: (k) => [k.column],
  metrics: (k) => ({ nulls: `count(*) FILTER (WHERE ${col(k.column)} IS NULL)` }),
  evaluate: (k, metrics, { shape }) => {
    const dtype = pandasDtype(shape.field(k.column)?.type, Number(jsonValue(metrics['nulls']) ?? 0));
    return { success: typeMatches(k.type_)?.dtypes.includes(dtype) === true, result: { observed_value: dtype } };
  },
});

function valueClassMap(k: OfTypeKwargs, shape: DataShape): ExpectationDefinition | string {
  const matches = typeMatches(k.type_);
  // GE's per-row metric raises on a name it cannot resolve; the result carries that error.
  if (matches === undefined) return `Unrecognized numpy/python type: ${k.type_}`;
  const fits = matches.classes.includes(pythonClass(shape.field(k.column)?.type));
  return defineMap<OfTypeKwargs>({
    family: 'column_map',
    kwargs: ofTypeKwargs,
    columns: (kw) => [kw.column],
    considered: (kw, s) => `NOT ${missing(s, kw.column)}`,
    // Every value of a Delta column has one Python class, so all pass or all fail.
    unexpected: () => (fits ? 'FALSE' : 'TRUE'),
  });
}

const isBoolean = (shape: DataShape, name: string): boolean => {
  const type = shape.field(name)?.type;
  return type?.kind === 'primitive' && type.name === 'boolean';
};

const ofType: AggregateExpectation<unknown> = defineAggregate<OfTypeKwargs>({
  ...(dtypeAggregate as AggregateExpectation<OfTypeKwargs>),
  // Only a boolean column's family depends on its nulls (bool without, object with).
  nullCountsNeeded: (k, shape) => (isBoolean(shape, k.column) ? [k.column] : []),
  resolve: (k, shape, facts: DataFacts) => {
    const type = shape.field(k.column)?.type;
    const dtype = pandasDtype(type, isBoolean(shape, k.column) ? (facts.nullCount(k.column) ?? 0) : 0);
    return dtype === 'object_' && !OBJECT_NAMES.has(k.type_) ? valueClassMap(k, shape) : dtypeAggregate;
  },
});

export const COLUMN_TYPE_EXPECTATIONS = {
  expect_column_values_to_be_of_type: ofType,
};
