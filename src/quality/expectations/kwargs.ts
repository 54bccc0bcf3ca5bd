import { z } from 'zod';

/**
 * Kwargs every GE expectation takes besides its own. Aquifer reads `mostly` and
 * `result_format`; the rest are carried (GE's bookkeeping) and never change a result.
 */
export const COMMON = {
  result_format: z.unknown().optional(),
  catch_exceptions: z.boolean().optional(),
  include_config: z.boolean().optional(),
  meta: z.unknown().optional(),
  notes: z.unknown().optional(),
  description: z.string().optional(),
  severity: z.string().optional(),
  batch_id: z.string().optional(),
  windows: z.unknown().optional(),
  /** GE takes `row_condition` in its pandas query language; refused rather than ignored. */
  row_condition: z.undefined({ message: 'row_condition is not supported yet: validate a filtered view or a table version instead' }).optional(),
  condition_parser: z.string().optional(),
};

export const column = z.string().min(1).max(1_000);
export const mostly = z.number().min(0).max(1).default(1);
export const columnList = z.array(column).min(1).max(100);
const bound = z.union([z.number(), z.string(), z.null()]).optional();
/** GE's bounds: `null`/absent is open on that side; inclusive unless strict. */
export const BOUNDS = {
  min_value: bound,
  max_value: bound,
  strict_min: z.boolean().default(false),
  strict_max: z.boolean().default(false),
};
export const valueSet = z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).max(100_000);

export interface Bounds {
  min_value?: number | string | null | undefined;
  max_value?: number | string | null | undefined;
  strict_min: boolean;
  strict_max: boolean;
}

/** GE's `_validate_metric_value_between`: null bounds are open; inclusive unless strict; a missing observation fails. */
export function withinBounds(observed: number | string | null | undefined, bounds: Bounds): boolean {
  if (observed === null || observed === undefined || (typeof observed === 'number' && Number.isNaN(observed))) return false;
  const { min_value: min, max_value: max } = bounds;
  if (min !== null && min !== undefined && (bounds.strict_min ? !(observed > min) : !(observed >= min))) return false;
  if (max !== null && max !== undefined && (bounds.strict_max ? !(observed < max) : !(observed <= max))) return false;
  return true;
}
