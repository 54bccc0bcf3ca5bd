import { quoteIdent, quoteLiteral } from '../../engine/index.js';
import type { StructField } from '../../table/index.js';

/**
 * SQL over typed rows: the MISSING_REQUIRED message for the first non-nullable field that is
 * NULL, in the words the JSON record checks use, or NULL when every required field is there.
 */
export function missingRequiredMessage(fields: readonly StructField[]): string {
  const required = fields.filter((f) => !f.nullable);
  if (required.length === 0) return 'CAST(NULL AS VARCHAR)';
  const cases = required.map((f) => `WHEN ${quoteIdent(f.name)} IS NULL THEN ${quoteLiteral(`field "${f.name}" is required but missing or null`)}`);
  return `CASE ${cases.join(' ')} END`;
}
