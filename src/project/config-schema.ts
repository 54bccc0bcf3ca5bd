import { z } from 'zod';
import { AquiferError } from '../errors.js';
import { firstIssue } from './json-issues.js';
import type { ProjectConfig } from './project.js';

/** `s3://bucket[/prefix]`, the bucket at least 3 characters (as S3 names are). */
export const S3_ROOT = /^s3a?:\/\/[^/]{3,}(\/.*)?$/;

const positive = z.number().int('must be a whole number').positive('must be positive').exactOptional();

/** The server section (ServerConfig); defaults in src/server/pipeline/limits.ts, docs/security.md. */
const serverSchema = z.strictObject({
  anonymous: z.enum(['off', 'loopback', 'any'], { error: 'must be "off", "loopback" or "any"' }).exactOptional(),
  limits: z
    .strictObject({
      bodyBytes: positive,
      depth: positive,
      records: positive,
      bodyTimeoutMs: positive,
      requestTimeoutMs: positive,
      concurrentRequests: positive,
    })
    .exactOptional(),
});

/** The shape of aquifer.json: strict, since a typo would otherwise silently pick a default. */
const configSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  backends: z.strictObject({
    tableStorage: z.union(
      [
        z.literal('local'),
        z.strictObject({
          type: z.literal('s3'),
          root: z.string().regex(S3_ROOT, 'must be s3://bucket/prefix'),
        }),
      ],
      { error: 'must be "local" or {"type": "s3", "root": "s3://bucket/prefix"}' },
    ),
    onlineStore: z
      .discriminatedUnion(
        'type',
        [z.strictObject({ type: z.literal('lmdb') }), z.strictObject({ type: z.literal('redis'), url: z.string().min(1, 'must not be empty') })],
        { error: 'must be {"type": "lmdb"} or {"type": "redis", "url": "redis://..."}' },
      )
      .exactOptional(),
  }),
  features: z.string().min(1, 'must not be empty').exactOptional(),
  server: serverSchema.exactOptional(),
});

/** Check a parsed aquifer.json; problems are PROJECT_CONFIG_INVALID naming the field (`backends.onlineStore.url`). */
export function parseProjectConfig(json: unknown, file: string): ProjectConfig {
  const result = configSchema.safeParse(json);
  if (!result.success) {
    const issue = firstIssue(result.error);
    throw new AquiferError('PROJECT_CONFIG_INVALID', `${file}: ${issue.path} ${issue.message}`, {
      value: { file, field: issue.path },
      hint: 'Fix the project config (aquifer.json); `aquifer init` writes a valid one.',
    });
  }
  return result.data;
}
