import type { z } from 'zod';

/** Where in a user's JSON a problem is, as they would write it: `featureViews[2].ttl`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(the whole document)' : out;
}

/** The first problem a schema found, with the field it is about, for a typed error's message and value. */
export function firstIssue(error: z.ZodError, options: { intoUnions?: boolean } = {}): { path: string; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { path: jsonPath([]), message: 'invalid' };
  const inner = options.intoUnions === true && issue.code === 'invalid_union' ? deepestBranchIssue(issue.errors) : undefined;
  if (inner !== undefined) return { path: jsonPath([...issue.path, ...inner.path]), message: inner.message };
  return { path: jsonPath(issue.path), message: issue.message };
}

/**
 * Inside a union (`"local"` or an S3 object), the branch that got furthest into the value
 * says what is wrong with it (`cache.maxBytes`); a value no branch got into keeps the
 * union's own message. Only where the branches differ in shape, not in intent: for merge
 * clauses (`{"delete": "yes"}`) the furthest branch (`update`) is not what the user meant.
 */
function deepestBranchIssue(branches: readonly (readonly z.core.$ZodIssue[])[]): z.core.$ZodIssue | undefined {
  let deepest: z.core.$ZodIssue | undefined;
  for (const branch of branches) {
    const issue = branch[0];
    if (issue !== undefined && issue.path.length > 0 && (deepest === undefined || issue.path.length > deepest.path.length)) deepest = issue;
  }
  return deepest;
}
