import { createHmac } from 'node:crypto';
import { quoteLiteral } from '../../engine/index.js';
import { primitive, toDuckDBType, type DataType } from '../schema/index.js';
import type { MaskedColumn } from './column-mask.js';

/**
 * How a masked value reads: a keyed hash, `[REDACTED]`, or null. Which columns are masked, and
 * how, is governance's policy; the values themselves are computed here, below every capability,
 * so a training set recreated by the feature store is masked with the same SQL and key.
 */
export const MASK_STRATEGIES = ['hash', 'null', 'redact'] as const;
export type MaskStrategy = (typeof MASK_STRATEGIES)[number];

/** What a redacted string reads as; values of other types become null. */
export const REDACTED = '[REDACTED]';

/** The types hashed: those keys are made of, whose text is one and the same in JS and in DuckDB. */
const HASHED_TYPES: ReadonlySet<string> = new Set(['string', 'long', 'integer', 'short', 'byte', 'boolean']);

/**
 * Whether values of this type are hashed; the others (doubles, decimals, dates, timestamps,
 * binary, nested types) become null under `hash`. Their text differs between JS and DuckDB
 * (`5100` and `5100.0`, an ISO instant and `2024-05-01 10:00:00+00`, a Buffer and `\x..`), so
 * a hash of it would not join across a scan and a lookup. Without a type, a value is judged by
 * its JS type: strings, safe integers, bigints and booleans hash.
 */
export function hashesType(type: DataType | undefined, value?: unknown): boolean {
  if (type !== undefined) return type.kind === 'primitive' && HASHED_TYPES.has(type.name);
  return typeof value === 'string' || typeof value === 'bigint' || typeof value === 'boolean' || (typeof value === 'number' && Number.isSafeInteger(value));
}

/**
 * The text a value is hashed from, the same in JS as DuckDB's `CAST(v AS VARCHAR)` for the
 * types hashed: strings as they are, integers in decimal, booleans as `true`/`false`.
 */
function hashText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** HMAC-SHA256 of the value's text under the project's key, in hex. */
export function hashValue(value: unknown, salt: Buffer): string {
  return createHmac('sha256', salt).update(hashText(value), 'utf8').digest('hex');
}

/** A value as a reader without the scope sees it; null stays null. `type`: the column's declared type, when known. */
export function maskValue(value: unknown, strategy: MaskStrategy, salt: Buffer, type?: DataType): unknown {
  if (value === null || value === undefined) return null;
  switch (strategy) {
    case 'hash':
      return hashesType(type, value) ? hashValue(value, salt) : null;
    case 'redact':
      return (type === undefined ? typeof value === 'string' : type.kind === 'primitive' && type.name === 'string') ? REDACTED : null;
    case 'null':
      return null;
  }
}

/**
 * The same in SQL: DuckDB has `sha256` but no HMAC, so the HMAC is built from it as RFC 2104
 * defines it, H((K ⊕ opad) || H((K ⊕ ipad) || m)), with the padded keys as constants.
 */
export function maskSql(valueSql: string, type: DataType, strategy: MaskStrategy, salt: Buffer): MaskedColumn {
  const isString = type.kind === 'primitive' && type.name === 'string';
  switch (strategy) {
    case 'hash': {
      if (!hashesType(type)) return { sql: 'CAST(NULL AS VARCHAR)', type: primitive('string') };
      const text = isString ? valueSql : `CAST(${valueSql} AS VARCHAR)`;
      const inner = `unhex(sha256(unhex(${quoteLiteral(pad(salt, 0x36))}) || encode(${text})))`;
      return { sql: `sha256(unhex(${quoteLiteral(pad(salt, 0x5c))}) || ${inner})`, type: primitive('string') };
    }
    case 'redact':
      return isString
        ? { sql: `CASE WHEN ${valueSql} IS NULL THEN NULL ELSE ${quoteLiteral(REDACTED)} END`, type }
        : { sql: `CAST(NULL AS ${toDuckDBType(type)})`, type };
    case 'null':
      return { sql: `CAST(NULL AS ${toDuckDBType(type)})`, type };
  }
}

/** The key padded to SHA-256's 64-byte block and xor-ed with the pad byte, in hex. */
function pad(salt: Buffer, byte: number): string {
  const block = Buffer.alloc(64);
  // Keys longer than a block are hashed first (RFC 2104); the project's key is 32 bytes.
  salt.copy(block);
  return Buffer.from(block.map((b) => b ^ byte)).toString('hex');
}
