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
export function firstIssue(error: z.ZodError): { path: string; message: string } {
  const issue = error.issues[0];
  if (issue === undefined) return { path: jsonPath([]), message: 'invalid' };
  return { path: jsonPath(issue.path), message: issue.message };
}
