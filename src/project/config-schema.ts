import { z } from 'zod';
import { AquiferError } from '../errors.js';
import { firstIssue } from './json-issues.js';
import type { ProjectConfig } from './project.js';

/**
 * The shape of aquifer.json. Strict where a typo would silently pick a default backend;
 * the `server` section is checked by the server (it only has to be an object here), so
 * its settings can grow without this schema changing.
 */
const configSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  backends: z.strictObject({
    tableStorage: z.literal('local', { error: 'must be "local"' }),
    onlineStore: z
      .discriminatedUnion('type', [z.strictObject({ type: z.literal('lmdb') }), z.strictObject({ type: z.literal('redis'), url: z.string().min(1, 'must not be empty') })], { error: 'must be {"type": "lmdb"} or {"type": "redis", "url": "redis://..."}' })
      .exactOptional(),
  }),
  features: z.string().min(1, 'must not be empty').exactOptional(),
  server: z.looseObject({}).exactOptional(),
});

/** Check a parsed aquifer.json; problems are PROJECT_CONFIG_INVALID naming the field (`backends.onlineStore.url`). */
export function parseProjectConfig(json: unknown, file: string): ProjectConfig {
  const result = configSchema.safeParse(json);
  if (!result.success) {
    const issue = firstIssue(result.error);
    throw new AquiferError('PROJECT_CONFIG_INVALID', `${file}: ${issue.path} ${issue.message}`, { value: { file, field: issue.path }, hint: 'Fix the project config (aquifer.json); `aquifer init` writes a valid one.' });
  }
  // The server section was only checked to be an object: the server validates its own fields.
  return result.data as ProjectConfig;
}
