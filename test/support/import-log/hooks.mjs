/* global process */
import { appendFileSync } from 'node:fs';

const file = process.env.AQUIFER_IMPORT_LOG;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (file !== undefined) appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
