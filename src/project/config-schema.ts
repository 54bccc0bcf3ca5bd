import { z } from 'zod';
import { AquiferError } from '../errors.js';
import { firstIssue } from './json-issues.js';
import type { ProjectConfig } from './project.js';

/** `s3://bucket[/prefix]`, the bucket at least 3 characters (as S3 names are). */
export const S3_ROOT = /^s3a?:\/\/[^/]{3,}(\/.*)?$/;

const positive = z.number().int('must be a whole number').positive('must be positive').exactOptional();

const LITERAL_KEYS = ['accessKeyId', 'secretAccessKey', 'sessionToken'];

/** An environment variable's name, as shells accept it: what the config names instead of a secret. */
const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'must be an environment variable name (letters, digits and _, up to 128)');

/** `backends.tableStorage` on S3 (S3StorageConfig); what is unset comes from the AWS environment and profile. */
const s3StorageSchema = z.strictObject({
  type: z.literal('s3'),
  root: z.string().max(1024, 'must be at most 1,024 characters').regex(S3_ROOT, 'must be s3://bucket/prefix'),
  endpoint: z
    .string()
    .max(2048, 'must be at most 2,048 characters')
    .regex(/^https?:\/\/[^/\s?#]+\/?$/, 'must be http(s)://host[:port], with no path')
    .exactOptional(),
  region: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a region name such as us-east-1')
    .exactOptional(),
  forcePathStyle: z.boolean({ error: 'must be true or false' }).exactOptional(),
  profile: z.string().min(1, 'must not be empty').max(128, 'must be at most 128 characters').exactOptional(),
  maxAttempts: z.number().int('must be a whole number').min(1, 'must be at least 1').max(20, 'must be at most 20').exactOptional(),
  cache: z
    .strictObject({
      dir: z.string().min(1, 'must not be empty').max(4096, 'must be at most 4,096 characters').exactOptional(),
      maxBytes: positive,
    })
    .exactOptional(),
  credentials: z
    .preprocess(
      (value, ctx) => {
        // Said plainly, since a key pasted into a committed file is the mistake this shape exists to prevent.
        if (typeof value === 'object' && value !== null && LITERAL_KEYS.some((key) => key in value)) {
          ctx.addIssue({
            code: 'custom',
            message: 'must name environment variables (accessKeyIdEnv, secretAccessKeyEnv, sessionTokenEnv), never hold the keys',
          });
        }
        return value;
      },
      z.strictObject({ accessKeyIdEnv: envName, secretAccessKeyEnv: envName, sessionTokenEnv: envName.exactOptional() }),
    )
    .exactOptional(),
});

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
  predictionLog: z.enum(['after-response', 'before-response'], { error: 'must be "after-response" or "before-response"' }).exactOptional(),
  /** Whether the server runs the project's monitors when they are due (docs/monitoring.md); on by default. */
  monitors: z.enum(['on', 'off'], { error: 'must be "on" or "off"' }).exactOptional(),
  /** Whether the server runs the asset scheduler (cron schedules and sensors, docs/orchestration.md); on by default. */
  scheduler: z.enum(['on', 'off'], { error: 'must be "on" or "off"' }).exactOptional(),
  /** Most runs launched by POST /v1/runs in flight at once (default 4); more are answered 429. */
  maxConcurrentRuns: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1,000').exactOptional(),
});

/** The lineage section (LineageConfig): where run events are kept and sent (docs/lineage.md). */
const lineageSchema = z.strictObject({
  enabled: z.boolean({ error: 'must be true or false' }).exactOptional(),
  namespace: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters').exactOptional(),
  http: z
    .strictObject({
      url: z
        .string()
        .max(2048, 'must be at most 2,048 characters')
        .regex(/^https?:\/\/[^\s?#]+$/, 'must be an http(s) URL, with no query or fragment'),
      endpoint: z
        .string()
        .max(1024, 'must be at most 1,024 characters')
        .regex(/^\/[^\s?#]*$/, 'must be a path starting with /')
        .exactOptional(),
      apiKeyEnv: envName.exactOptional(),
      timeoutMs: z.number().int('must be a whole number').min(1, 'must be at least 1').max(600_000, 'must be at most 600,000').exactOptional(),
      maxAttempts: z.number().int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').exactOptional(),
    })
    .exactOptional(),
});

const retentionDays = z.number().int('must be a whole number').min(1, 'must be at least 1').max(36_500, 'must be at most 36,500');
const columnName = z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters');

/** The audit log (docs/governance.md): on by default, kept for `retentionDays` when set. */
const auditSchema = z.strictObject({
  enabled: z.boolean({ error: 'must be true or false' }).exactOptional(),
  retentionDays: retentionDays.exactOptional(),
});

/** Governance (GovernanceConfig, docs/governance.md). */
const governanceSchema = z.strictObject({
  /** Tag to masking strategy (src/governance/masking-policy.ts); the tag as `aquifer table tag` takes it. */
  masking: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_-]*(:[a-z0-9][a-z0-9_-]*)?$/, 'must be a tag (lower-case, at most one colon), such as pii or pii:email'),
      z.enum(['hash', 'null', 'redact'], { error: 'must be "hash", "null" or "redact"' }),
    )
    .exactOptional(),
  retention: z
    .strictObject({
      tables: z
        .array(
          z.strictObject({ table: z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'), column: columnName, days: retentionDays }),
        )
        .exactOptional(),
      tags: z
        .array(
          z.strictObject({
            tag: z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'),
            days: retentionDays,
            column: columnName.exactOptional(),
          }),
        )
        .exactOptional(),
    })
    .exactOptional(),
});

/** The shape of aquifer.json: strict, since a typo would otherwise silently pick a default. */
const configSchema = z.strictObject({
  name: z.string().min(1, 'must not be empty'),
  backends: z.strictObject({
    tableStorage: z.union([z.literal('local'), s3StorageSchema], { error: 'must be "local" or {"type": "s3", "root": "s3://bucket/prefix"}' }),
    onlineStore: z
      .discriminatedUnion(
        'type',
        [z.strictObject({ type: z.literal('lmdb') }), z.strictObject({ type: z.literal('redis'), url: z.string().min(1, 'must not be empty') })],
        { error: 'must be {"type": "lmdb"} or {"type": "redis", "url": "redis://..."}' },
      )
      .exactOptional(),
    metadata: z
      .discriminatedUnion(
        'type',
        [
          z.strictObject({ type: z.literal('sqlite') }),
          z.strictObject({
            type: z.literal('postgres'),
            url: z.string().min(1, 'must not be empty').exactOptional(),
            urlEnv: z.string().min(1).exactOptional(),
          }),
        ],
        { error: 'must be {"type": "sqlite"} or {"type": "postgres", "url": "postgres://..."} (or "urlEnv": a variable holding the URL)' },
      )
      .exactOptional(),
  }),
  features: z.string().min(1, 'must not be empty').exactOptional(),
  server: serverSchema.exactOptional(),
  lineage: lineageSchema.exactOptional(),
  audit: auditSchema.exactOptional(),
  governance: governanceSchema.exactOptional(),
  quality: z
    .strictObject({
      /** Table name → suite name (quality/<suite>.json): the suite every write to the table passes through. */
      gates: z
        .record(
          z.string().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
          z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a suite name (letters, digits, _ . -)'),
        )
        .exactOptional(),
    })
    .exactOptional(),
});

/** Check a parsed aquifer.json; problems are PROJECT_CONFIG_INVALID naming the field (`backends.onlineStore.url`). */
export function parseProjectConfig(json: unknown, file: string): ProjectConfig {
  const result = configSchema.safeParse(json);
  if (!result.success) {
    const issue = firstIssue(result.error, { intoUnions: true });
    throw new AquiferError('PROJECT_CONFIG_INVALID', `${file}: ${issue.path} ${issue.message}`, {
      value: { file, field: issue.path },
      hint: 'Fix the project config (aquifer.json); `aquifer init` writes a valid one.',
    });
  }
  return result.data;
}
