import { z } from 'zod';
import type { DataType } from '../../table/index.js';
import { columnList, COMMON, mostly } from './kwargs.js';
import { defineMap, type DataShape, type MapExpectation } from './definition.js';
import { presentValue } from './pandas-values.js';
import { col, literal, missing } from './sql.js';

const ignoreRowIf = z.enum(['all_values_are_missing', 'any_value_is_missing', 'never']).default('all_values_are_missing');
type IgnoreRowIf = z.infer<typeof ignoreRowIf>;
const multicolumnKwargs = z.strictObject({ column_list: columnList, ignore_row_if: ignoreRowIf, mostly, ...COMMON });
type MulticolumnKwargs = z.infer<typeof multicolumnKwargs>;

/** GE drops rows by `ignore_row_if` before evaluating (pandas' dropna how=all/any); the rows dropped are its missing ones. */
function kept(k: { column_list: string[]; ignore_row_if: IgnoreRowIf }, shape: DataShape): string {
  const missingOnes = k.column_list.map((c) => missing(shape, c));
  if (k.ignore_row_if === 'all_values_are_missing') return `NOT (${missingOnes.join(' AND ')})`;
  if (k.ignore_row_if === 'any_value_is_missing') return `NOT (${missingOnes.join(' OR ')})`;
  return 'TRUE';
}

/** The row's values as one struct, NaN made NULL: struct equality holds NULL = NULL, as pandas' duplicated does. */
const rowValue = (shape: DataShape, columns: readonly string[]): string => `row(${columns.map((c) => presentValue(shape, c)).join(', ')})`;

const NUMBERS = new Set(['byte', 'short', 'integer', 'long', 'float', 'double']);

/** Which values pandas can find equal: numbers of any width with each other, otherwise only the same kind. */
function comparable(a: DataType | undefined, b: DataType | undefined): boolean {
  const family = (t: DataType | undefined): string =>
    t === undefined ? '' : t.kind === 'decimal' || (t.kind === 'primitive' && NUMBERS.has(t.name)) ? 'number' : t.kind === 'primitive' ? t.name : t.kind;
  return family(a) === family(b);
}

/** Per-row expectations on several columns, with GE's semantics on pandas (docs/ge-semantics.md §4). */
export const MULTICOLUMN_MAP_EXPECTATIONS: Record<string, MapExpectation<unknown>> = {
  // `duplicated(keep=False)` over the kept rows: every copy of a repeated combination fails, nulls equal.
  expect_compound_columns_to_be_unique: defineMap<MulticolumnKwargs>({
    family: 'multicolumn_map',
    kwargs: multicolumnKwargs,
    columns: (k) => k.column_list,
    considered: (k, shape) => kept(k, shape),
    unexpected: (k, shape, rows) =>
      `${rowValue(shape, k.column_list)} IN (SELECT ${rowValue(shape, k.column_list)} FROM ${rows} WHERE ${kept(k, shape)} GROUP BY 1 HAVING count(*) > 1)`,
    acrossRows: true,
  }),
  // `nunique(dropna=False, axis=1) >= len(columns)`: a repeat within the row fails, and two missing values are a repeat.
  expect_select_column_values_to_be_unique_within_record: defineMap<MulticolumnKwargs>({
    family: 'multicolumn_map',
    kwargs: multicolumnKwargs,
    columns: (k) => k.column_list,
    considered: (k, shape) => kept(k, shape),
    unexpected: (k, shape) => {
      const repeats: string[] = [];
      k.column_list.forEach((a, i) =>
        k.column_list.slice(i + 1).forEach((b) => {
          const bothMissing = `(${missing(shape, a)} AND ${missing(shape, b)})`;
          repeats.push(
            comparable(shape.field(a)?.type, shape.field(b)?.type) ? `(${presentValue(shape, a)} IS NOT DISTINCT FROM ${presentValue(shape, b)})` : bothMissing,
          );
        }),
      );
      return repeats.length === 0 ? 'FALSE' : `(${repeats.join(' OR ')})`;
    },
  }),
  // `sum(axis=1, skipna=False) == sum_total`: a missing value makes the sum NaN, which fails; equality is exact.
  expect_multicolumn_sum_to_equal: defineMap({
    family: 'multicolumn_map',
    kwargs: z.strictObject({ column_list: columnList, sum_total: z.number(), ignore_row_if: ignoreRowIf, mostly, ...COMMON }),
    columns: (k) => k.column_list,
    considered: (k, shape) => kept(k, shape),
    unexpected: (k, shape) => {
      const integers = k.column_list.every((c) => {
        const t = shape.field(c)?.type;
        return t?.kind === 'primitive' && ['byte', 'short', 'integer', 'long'].includes(t.name);
      });
      // Integers are summed without overflow; anything else in double, as numpy does.
      const sum = k.column_list.map((c) => `CAST(${col(c)} AS ${integers ? 'HUGEINT' : 'DOUBLE'})`).join(' + ');
      return `(${k.column_list.map((c) => missing(shape, c)).join(' OR ')} OR (${sum}) <> ${literal(k.sum_total)})`;
    },
  }),
};
