import type { Rule } from '../ingest/index.js';

/** `name=sql` → a rule; a bare SQL condition names itself. */
export function parseRule(text: string): Rule {
  const index = text.indexOf('=');
  // `a = b` is a condition, not a name: a name has no spaces before its '='.
  if (index <= 0 || /\s/.test(text.slice(0, index))) return { name: text, sql: text };
  return { name: text.slice(0, index), sql: text.slice(index + 1).trim() };
}
