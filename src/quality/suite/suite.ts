import { z } from 'zod';
import { firstIssue } from '../../project/index.js';
import { SuiteInvalidError } from '../errors.js';

/** One expectation as Great Expectations 1.x writes it in a suite: its type and kwargs. */
export interface ExpectationConfig {
  /** GE's name, such as `expect_column_values_to_not_be_null`. */
  type: string;
  kwargs: Record<string, unknown>;
  meta?: Record<string, unknown>;
  id?: string;
  notes?: string | string[] | null;
  severity?: string;
}

/** What a gate does when a suite's table-level expectations fail on a batch. */
export type SuiteAction = 'warn' | 'block';

/**
 * A named list of expectations, in GE 1.x's suite JSON (`name`, `expectations`, `meta`),
 * plus Aquifer's gate action. GE's own file imports unchanged.
 */
export interface ExpectationSuite {
  name: string;
  expectations: ExpectationConfig[];
  meta?: Record<string, unknown>;
  notes?: string | string[] | null;
  id?: string;
  /** A gate's answer to failed table-level expectations: let the commit through with a warning, or refuse it. Default `block`. */
  action?: SuiteAction;
}

export const MAX_EXPECTATIONS = 1_000;
export const SUITE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

const notes = z.union([z.string(), z.array(z.string()), z.null()]).optional();
const expectation = z
  .object({
    type: z.string().min(1).max(200),
    kwargs: z.record(z.string(), z.unknown()).default({}),
    meta: z.record(z.string(), z.unknown()).nullish(),
    id: z.string().nullish(),
    notes,
    severity: z.string().nullish(),
    rendered_content: z.unknown().optional(),
    description: z.string().nullish(),
  })
  .loose();
/** GE 0.x wrote `expectation_type` and `expectation_suite_name`; 1.x writes `type` and `name`. Both read. */
const legacyExpectation = z.object({ expectation_type: z.string().min(1).max(200), kwargs: z.record(z.string(), z.unknown()).default({}) }).loose();

const suiteSchema = z
  .object({
    name: z.string().regex(SUITE_NAME, 'letters, digits, _ . - (up to 128), starting with a letter or digit').optional(),
    expectation_suite_name: z.string().regex(SUITE_NAME).optional(),
    expectations: z.array(z.union([expectation, legacyExpectation])).max(MAX_EXPECTATIONS),
    meta: z.record(z.string(), z.unknown()).nullish(),
    notes,
    id: z.string().nullish(),
    action: z.enum(['warn', 'block']).optional(),
    data_asset_type: z.unknown().optional(),
    ge_cloud_id: z.unknown().optional(),
  })
  .loose();

/**
 * Read a suite from its JSON (GE 1.x's file as written by `suite.to_json_dict()`, or an
 * Aquifer suite file). `name` replaces the file's own name when given (an import under
 * another name). Expectation types and kwargs are checked when the suite is compiled.
 */
export function parseSuite(json: unknown, where: string, name?: string): ExpectationSuite {
  const parsed = suiteSchema.safeParse(json);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    throw new SuiteInvalidError(
      `${where} is not an expectation suite: ${issue.message}`,
      issue.path,
      'A suite is {"name": ..., "expectations": [{"type": "expect_...", "kwargs": {...}}]}, as GE 1.x writes it.',
    );
  }
  const value = parsed.data;
  const suiteName = name ?? value.name ?? value.expectation_suite_name;
  if (suiteName === undefined || !SUITE_NAME.test(suiteName)) {
    throw new SuiteInvalidError(
      `${where} has no usable suite name`,
      suiteName ?? null,
      'Give the suite a "name" (letters, digits, _ . -), or name it when importing.',
    );
  }
  const suite: ExpectationSuite = {
    name: suiteName,
    expectations: value.expectations.map((e): ExpectationConfig => {
      const type = 'type' in e && typeof e.type === 'string' ? e.type : (e as { expectation_type: string }).expectation_type;
      const config: ExpectationConfig = { type, kwargs: e.kwargs };
      const {
        meta,
        id,
        notes: n,
        severity,
      } = e as { meta?: Record<string, unknown> | null; id?: string | null; notes?: string | string[] | null; severity?: string | null };
      if (meta !== undefined && meta !== null) config.meta = meta;
      if (id !== undefined && id !== null) config.id = id;
      if (n !== undefined) config.notes = n;
      if (severity !== undefined && severity !== null) config.severity = severity;
      return config;
    }),
  };
  if (value.meta !== undefined && value.meta !== null) suite.meta = value.meta;
  if (value.notes !== undefined) suite.notes = value.notes;
  if (value.id !== undefined && value.id !== null) suite.id = value.id;
  if (value.action !== undefined) suite.action = value.action;
  return suite;
}

/** The suite as GE 1.x's suite JSON (with Aquifer's `action` when set), for files and export. */
export function suiteToJson(suite: ExpectationSuite): Record<string, unknown> {
  const json: Record<string, unknown> = {
    name: suite.name,
    expectations: suite.expectations.map((e) => ({
      type: e.type,
      kwargs: e.kwargs,
      meta: e.meta ?? {},
      ...(e.id === undefined ? {} : { id: e.id }),
      ...(e.notes === undefined ? {} : { notes: e.notes }),
      ...(e.severity === undefined ? {} : { severity: e.severity }),
    })),
    meta: suite.meta ?? {},
  };
  if (suite.notes !== undefined) json['notes'] = suite.notes;
  if (suite.id !== undefined) json['id'] = suite.id;
  if (suite.action !== undefined) json['action'] = suite.action;
  return json;
}
