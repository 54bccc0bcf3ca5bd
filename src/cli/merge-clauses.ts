import { z } from 'zod';
import { firstIssue } from '../project/index.js';
import type { MergeOptions } from '../table/index.js';
import { CliUsageError } from './usage-error.js';

/**
 * The shape of `table merge --clauses`: checked here so a typo (`"delte": true`, an
 * update that is not an object) is a usage error naming the field, e.g.
 * `whenMatched[1].update`, instead of a clause the merge silently misreads.
 */
const condition = z.string().min(1, 'must not be empty').exactOptional();
const assignments = z.record(z.string(), z.string(), { error: 'must be {"column": "SQL expression", ...}' });
const mergeAssignments = z.union([z.literal('*'), assignments], { error: 'must be "*" or {"column": "SQL expression", ...}' });
const deletes = z.strictObject({ condition, delete: z.literal(true, { error: 'must be true' }) });

const clausesSchema = z.strictObject({
  whenMatched: z
    .array(
      z.union([z.strictObject({ condition, update: mergeAssignments }), deletes], {
        error: 'must be {"update": ...} or {"delete": true}, with an optional "condition"',
      }),
    )
    .exactOptional(),
  whenNotMatched: z.array(z.strictObject({ condition, insert: mergeAssignments })).exactOptional(),
  whenNotMatchedBySource: z
    .array(
      z.union([z.strictObject({ condition, update: assignments }), deletes], {
        error: 'must be {"update": {...}} or {"delete": true}, with an optional "condition"',
      }),
    )
    .exactOptional(),
});

export type MergeClauses = Omit<MergeOptions, 'source' | 'on'>;

/** Check parsed `--clauses` JSON (`text` is what the user typed, for the error). */
export function parseMergeClauses(json: unknown, text: string): MergeClauses {
  const result = clausesSchema.safeParse(json);
  if (result.success) return result.data;
  const issue = firstIssue(result.error);
  throw new CliUsageError(
    `--clauses: ${issue.path} ${issue.message}`,
    { clauses: text, field: issue.path },
    'Give {"whenMatched": [...], "whenNotMatched": [...], "whenNotMatchedBySource": [...]}, e.g. --clauses \'{"whenMatched": [{"delete": true}]}\'.',
  );
}
