import { AquiferError } from '../../errors.js';
import type { ServerConfig } from '../../project/index.js';
import type { AnonymousAccess } from '../auth/authenticator.js';

/** Every request limit the pipeline enforces; docs/security.md lists them with their defaults. */
export interface ServerLimits {
  /** Largest request body, in bytes (also for chunked bodies, counted as they arrive). */
  bodyBytes: number;
  /** Deepest nesting of JSON arrays and objects. */
  depth: number;
  /** Most records in one body: array elements anywhere in a JSON body, or NDJSON lines. */
  records: number;
  /** Longest time from a request's arrival to the end of its body, in milliseconds. */
  bodyTimeoutMs: number;
  /** Longest time from a request's arrival to its response, handler work included, in milliseconds. */
  requestTimeoutMs: number;
  /** Most requests in flight at once (from arrival to response); /health does not count. */
  concurrentRequests: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  bodyBytes: 16 * 1024 * 1024,
  depth: 64,
  records: 100_000,
  bodyTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  concurrentRequests: 64,
};

export interface ServerSettings {
  anonymous: AnonymousAccess;
  limits: ServerLimits;
}

/** The project's server section over the defaults, with overrides (CLI flags, tests) over both. */
export function serverSettings(
  config: ServerConfig | undefined,
  overrides: { anonymous?: AnonymousAccess; limits?: Partial<ServerLimits> } = {},
): ServerSettings {
  const anonymous = overrides.anonymous ?? config?.anonymous ?? 'off';
  if (!['off', 'loopback', 'any'].includes(anonymous)) throw invalid('server.anonymous must be off, loopback or any', anonymous);
  const limits: ServerLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries({ ...config?.limits, ...overrides.limits })) {
    if (!(key in DEFAULT_LIMITS)) throw invalid(`server.limits.${key} is not a limit`, key);
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw invalid(`server.limits.${key} must be a positive whole number`, value);
    limits[key as keyof ServerLimits] = value;
  }
  return { anonymous, limits };
}

function invalid(message: string, value: unknown): AquiferError {
  return new AquiferError('SERVER_CONFIG_INVALID', message, { value, hint: 'See docs/security.md for the server section of aquifer.json.' });
}
