import { InvalidLogError } from '../errors.js';

/**
 * Small readers for action fields. JSON commits omit absent fields while checkpoints
 * (read through DuckDB) carry them as null, so null always means "absent".
 */
export class FieldReader {
  constructor(
    private readonly object: Record<string, unknown>,
    private readonly action: string,
    private readonly location: string,
  ) {}

  string(name: string): string {
    const value = this.object[name];
    if (typeof value !== 'string') throw this.invalid(name, 'a string', value);
    return value;
  }

  optionalString(name: string): string | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw this.invalid(name, 'a string', value);
    return value;
  }

  number(name: string): number {
    const value = this.optionalNumber(name);
    if (value === undefined) throw this.invalid(name, 'a number', this.object[name]);
    return value;
  }

  /** Numbers may arrive as JSON numbers, or as strings/bigints from checkpoints. */
  optionalNumber(name: string): number | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'bigint') return Number(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
    throw this.invalid(name, 'a number', value);
  }

  boolean(name: string, fallback?: boolean): boolean {
    const value = this.object[name];
    if ((value === undefined || value === null) && fallback !== undefined) return fallback;
    if (typeof value !== 'boolean') throw this.invalid(name, 'a boolean', value);
    return value;
  }

  optionalBoolean(name: string): boolean | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw this.invalid(name, 'a boolean', value);
    return value;
  }

  stringMap(name: string): Record<string, string | null> {
    const value = this.optionalStringMap(name);
    return value ?? {};
  }

  optionalStringMap(name: string): Record<string, string | null> | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.invalid(name, 'an object of strings', value);
    const out: Record<string, string | null> = {};
    for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
      if (entry !== null && typeof entry !== 'string') throw this.invalid(`${name}.${key}`, 'a string or null', entry);
      out[key] = entry;
    }
    return out;
  }

  optionalStringArray(name: string): string[] | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) throw this.invalid(name, 'an array of strings', value);
    return value as string[];
  }

  optionalObject(name: string): Record<string, unknown> | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw this.invalid(name, 'an object', value);
    return value as Record<string, unknown>;
  }

  raw(name: string): unknown {
    return this.object[name];
  }

  private invalid(name: string, expected: string, value: unknown): InvalidLogError {
    return new InvalidLogError(
      `${this.action}.${name} must be ${expected} but is ${JSON.stringify(value) ?? String(value)} in ${this.location}`,
      this.location,
    );
  }
}

/** Copy an object without its undefined fields, so serialized actions omit absent ones. */
export type Loose<T> = { [K in keyof T]-?: T[K] | undefined };

export function compact<T extends object>(object: Loose<T>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) if (value !== undefined) out[key] = value;
  return out as T;
}
