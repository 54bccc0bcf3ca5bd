import { z } from 'zod';
import { column, COMMON, mostly } from './kwargs.js';
import { defineAggregate, defineMap, type AggregateExpectation, type DataFacts, type DataShape, type ExpectationDefinition } from './definition.js';
import { pandasDtype, pythonClass, typeMatches } from './pandas-values.js';
import { col, missing } from './sql.js';
import { jsonValue } from '../validate/results.js';

const typeName = z.string().min(1).max(200);
const ofTypeKwargs = z.strictObject({ column, type_: typeName, mostly, ...COMMON });
const inTypeListKwargs = z.strictObject({ column, type_list: z.array(typeName).max(100).nullable(), mostly, ...COMMON });

/** Names under which GE's to_be_of_type keeps the aggregate form even on an object column. */
const OBJECT_NAMES = new Set(['object', 'object_', 'O']);

/** How one of the two expectations reads its kwargs: the type names, and whether they keep the aggregate form on an object column. */
interface TypeCheck<K> {
  kwargs: z.ZodType<K>;
  column(k: K): string;
  /** The type names; null means any type (GE: vacuously true). */
  names(k: K): string[] | null;
  aggregateOnObject(k: K): boolean;
  /** Whether a type name matches a dtype on the aggregate path. */
  dtypeMatches(name: string, dtype: string): boolean;
  /** GE's message when no name is recognised on the per-row path. */
  unrecognised(k: K): string;
}

const isBoolean = (shape: DataShape, name: string): boolean => {
  const type = shape.field(name)?.type;
  return type?.kind === 'primitive' && type.name === 'boolean';
};

/**
 * GE's to_be_of_type and to_be_in_type_list on pandas have two forms (docs/ge-semantics.md
 * §4): on a non-object dtype they compare the dtype and report it as `observed_value`; on an
 * object dtype (strings, dates, decimals, bytes, a boolean column with a null) they check each
 * value's class, a per-row result. Which one depends on the data, so it is resolved once the
 * null counts are known.
 */
function typeExpectation<K>(check: TypeCheck<K>): AggregateExpectation<unknown> {
  const dtypeAggregate: AggregateExpectation<K> = {
    family: 'column_aggregate',
    kwargs: check.kwargs,
    columns: (k) => [check.column(k)],
    metrics: (k) => ({ nulls: `count(*) FILTER (WHERE ${col(check.column(k))} IS NULL)` }),
    evaluate: (k, metrics, { shape }) => {
      const dtype = pandasDtype(shape.field(check.column(k))?.type, Number(jsonValue(metrics['nulls']) ?? 0));
      const names = check.names(k);
      const success = names === null || names.some((n) => check.dtypeMatches(n, dtype));
      return { success, result: { observed_value: dtype } };
    },
  };
  const valueClassMap = (k: K, shape: DataShape): ExpectationDefinition | string => {
    const names = check.names(k) ?? [];
    const matches = names.map(typeMatches).filter((m) => m !== undefined);
    // GE's per-row metric raises when it resolves no name; the result carries that error.
    if (matches.length === 0) return check.unrecognised(k);
    const fits = matches.some((m) => m.classes.includes(pythonClass(shape.field(check.column(k))?.type)));
    return defineMap<K>({
      family: 'column_map',
      kwargs: check.kwargs,
      columns: (kw) => [check.column(kw)],
      considered: (kw, s) => `NOT ${missing(s, check.column(kw))}`,
      // Every value of a Delta column has one Python class, so all pass or all fail.
      unexpected: () => (fits ? 'FALSE' : 'TRUE'),
    });
  };
  return defineAggregate<K>({
    ...dtypeAggregate,
    // Only a boolean column's family depends on its nulls (bool without, object with).
    nullCountsNeeded: (k, shape) => (isBoolean(shape, check.column(k)) ? [check.column(k)] : []),
    resolve: (k, shape, facts: DataFacts) => {
      const name = check.column(k);
      const dtype = pandasDtype(shape.field(name)?.type, isBoolean(shape, name) ? (facts.nullCount(name) ?? 0) : 0);
      return dtype === 'object_' && !check.aggregateOnObject(k) ? valueClassMap(k, shape) : defineAggregate(dtypeAggregate);
    },
  });
}

/**
 * in_type_list compares the dtype itself (`dtype in [np.dtype(name).type, np.dtype(name)]`):
 * a datetime64[us] column equals only a name with that unit, and a tz-aware one (a pandas
 * extension dtype) equals no name at all.
 */
function inTypeListDtype(name: string, dtype: string): boolean {
  if (dtype === 'Timestamp') return false;
  if (dtype === 'datetime64') return /^(datetime64|M8|<M8)\[us\]$/.test(name);
  return typeMatches(name)?.dtypes.includes(dtype) === true;
}

export const COLUMN_TYPE_EXPECTATIONS = {
  expect_column_values_to_be_of_type: typeExpectation<z.infer<typeof ofTypeKwargs>>({
    kwargs: ofTypeKwargs,
    column: (k) => k.column,
    names: (k) => [k.type_],
    aggregateOnObject: (k) => OBJECT_NAMES.has(k.type_),
    dtypeMatches: (name, dtype) => typeMatches(name)?.dtypes.includes(dtype) === true,
    unrecognised: (k) => `Unrecognized numpy/python type: ${k.type_}`,
  }),
  // GE takes the per-row form on any object column here, even for "object" (no value is an np.object_).
  expect_column_values_to_be_in_type_list: typeExpectation<z.infer<typeof inTypeListKwargs>>({
    kwargs: inTypeListKwargs,
    column: (k) => k.column,
    names: (k) => k.type_list,
    aggregateOnObject: (k) => k.type_list === null,
    dtypeMatches: inTypeListDtype,
    unrecognised: (k) => `No recognized numpy/python type in list: ${JSON.stringify(k.type_list)}`,
  }),
};
