import { z } from 'zod';
import { column, COMMON } from './kwargs.js';
import { defineAggregate, type AggregateExpectation, type DataShape } from './definition.js';
import { isNumericColumn, present, typeName } from './column-values.js';
import { jsonValue, type JsonValue } from '../validate/results.js';

/** pandas' interpolation methods; GE's default (`allow_relative_error: false`) is "nearest". */
const METHODS = ['linear', 'lower', 'higher', 'midpoint', 'nearest'] as const;
type Method = (typeof METHODS)[number];

const bound = z.number().nullable();
const quantileKwargs = z.strictObject({
  column,
  quantile_ranges: z
    .strictObject({ quantiles: z.array(z.number()).min(1).max(1_000), value_ranges: z.array(z.tuple([bound, bound])).max(1_000) })
    .refine((r) => r.quantiles.length === r.value_ranges.length, { message: 'quantile_values and quantiles must have the same number of elements' })
    .refine((r) => r.value_ranges.every(([lo, hi]) => lo === null || hi === null || lo <= hi), { message: 'quantile_ranges must consist of ordered pairs' }),
  allow_relative_error: z.union([z.boolean(), z.string()]).default(false),
  ...COMMON,
});
type QuantileKwargs = z.infer<typeof quantileKwargs>;

/** Which sorted positions (0-based) one quantile reads, and how numpy combines them. */
interface Pick {
  lower: number;
  upper: number;
  /** numpy's gamma: the weight of `upper`; undefined when the value is `lower` itself. */
  gamma?: number;
}

/** numpy's `np.around`: halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * numpy's quantile positions (`numpy/lib/_function_base_impl.py`, the `_QuantileMethods` table)
 * for `n` sorted values. pandas hands numpy `q * 100` and numpy divides it again, so the
 * fraction is that round trip in doubles.
 */
export function quantilePick(n: number, q: number, method: Method): Pick {
  const virtual = (n - 1) * ((q * 100) / 100);
  const last = n - 1;
  if (method === 'nearest') return { lower: roundHalfEven(virtual), upper: roundHalfEven(virtual) };
  if (method === 'lower') return { lower: Math.floor(virtual), upper: Math.floor(virtual) };
  if (method === 'higher') return { lower: Math.ceil(virtual), upper: Math.ceil(virtual) };
  const index = method === 'midpoint' ? 0.5 * (Math.floor(virtual) + Math.ceil(virtual)) : virtual;
  const lower = Math.floor(index);
  if (index >= last) return { lower: last, upper: last, gamma: 0 };
  const gamma = method === 'midpoint' ? (index % 1 === 0 ? 0 : 0.5) : index - lower;
  return { lower, upper: lower + 1, gamma };
}

/** numpy's `_lerp`, which computes from the nearer end so that gamma 1 gives `b` exactly. */
function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy's `isclose(value, reference)`: |a - b| <= atol + rtol * |b|; an infinite reference only equals itself. */
function isClose(value: number, reference: number, rtol = 1e-4, atol = 1e-8): boolean {
  if (!Number.isFinite(reference)) return value === reference;
  return Math.abs(value - reference) <= atol + rtol * Math.abs(reference);
}

/** pandas' interpolation for these kwargs, or the error GE raises for them. */
function interpolation(k: QuantileKwargs, shape: DataShape): Method | { exception: string } {
  const method = k.allow_relative_error === false ? 'nearest' : k.allow_relative_error;
  if (method === true || !(METHODS as readonly string[]).includes(method))
    return {
      exception: `If specified for pandas, allow_relative_error must be one an allowed value for the 'interpolation' parameter of .quantile() (one of ${METHODS.join(', ')})`,
    };
  if (k.quantile_ranges.quantiles.some((q) => !(q >= 0 && q <= 1))) return { exception: 'Quantiles must be in the range [0, 1]' };
  // numpy takes quantiles of numbers and booleans; GE's check then fails on dates and timestamps (float() of them).
  const type = typeName(shape, k.column) ?? '';
  const interpolates = method === 'linear' || method === 'midpoint';
  if (!(isNumericColumn(shape, k.column) || (type === 'boolean' && !interpolates)))
    return { exception: `GE cannot take and check the ${method} quantiles of the ${type} column ${k.column}` };
  return method as Method;
}

/**
 * pandas' `Series.quantile(q, interpolation=...)` on the non-missing values, as GE 1.x's
 * metric: the pass reads the sorted positions numpy needs (no values pass through
 * JavaScript), and numpy's arithmetic combines them.
 */
export const QUANTILE_EXPECTATIONS: Record<string, AggregateExpectation<unknown>> = {
  expect_column_quantile_values_to_be_between: defineAggregate({
    family: 'column_aggregate',
    kwargs: quantileKwargs,
    columns: (k) => [k.column],
    metrics: () => ({}),
    sorted: (k, shape) => {
      const method = interpolation(k, shape);
      if (typeof method !== 'string') return undefined;
      return {
        expression: present(shape, k.column),
        positions: (n) =>
          k.quantile_ranges.quantiles.flatMap((q) => {
            const pick = quantilePick(n, q, method);
            return [pick.lower, pick.upper];
          }),
      };
    },
    evaluate: (k, _metrics, { shape, sorted }) => {
      const method = interpolation(k, shape);
      if (typeof method !== 'string') return { success: false, result: {}, exception: method.exception };
      const { quantiles, value_ranges: ranges } = k.quantile_ranges;
      const n = sorted?.n ?? 0;
      const at = (p: number): JsonValue => jsonValue(sorted?.at(p) ?? null);
      const values: JsonValue[] = quantiles.map((q) => {
        if (n === 0) return null;
        const p = quantilePick(n, q, method);
        const lower = at(p.lower);
        if (p.gamma === undefined) return lower;
        const upper = at(p.upper);
        return typeof lower === 'number' && typeof upper === 'number' ? lerp(lower, upper, p.gamma) : null;
      });
      // GE: a missing bound is open; a value passes when it is close to either bound (rtol 1e-4) or between them.
      const details = values.map((value, i) => {
        const [lo, hi] = ranges[i] ?? [null, null];
        const low = lo ?? -Infinity;
        const high = hi ?? Infinity;
        const v = typeof value === 'boolean' ? Number(value) : value;
        if (typeof v !== 'number') return false;
        return isClose(v, low) || isClose(v, high) || (low <= v && v <= high);
      });
      return { success: details.every(Boolean), result: { observed_value: { quantiles, values }, details: { success_details: details } } };
    },
  }),
};
