import { AquiferError } from '../../errors.js';

/**
 * The fields of an MLflow request: the JSON body of a POST, PATCH or DELETE, or the query of a
 * GET (where every value is a string, so numbers are read from strings too, as proto3 JSON
 * also allows for int64). Unknown fields are ignored, as MLflow ignores them; a field of the
 * wrong type is INVALID_PARAMETER_VALUE with MLflow's wording.
 */
export class Fields {
  constructor(
    private readonly values: Readonly<Record<string, unknown>>,
    /** Repeated query parameters (`stages=a&stages=b`), for GET requests. */
    private readonly repeated: Readonly<Record<string, readonly string[]>> = {},
  ) {}

  static fromJson(text: string): Fields {
    if (text.trim() === '') return new Fields({});
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw invalid(`The body is not valid JSON: ${(error as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('The body must be a JSON object');
    return new Fields(body as Record<string, unknown>);
  }

  /** A required string: missing or empty is MLflow's "Missing value for required parameter". */
  string(name: string): string {
    const value = this.optString(name);
    if (value === undefined || value === '') throw invalid(`Missing value for required parameter '${name}'.`, name);
    return value;
  }

  optString(name: string): string | undefined {
    const value = this.values[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: it must be a string.`, name);
    return value;
  }

  /** The first non-empty of several names (the client sends `run_id` and the legacy `run_uuid`). */
  oneOf(...names: string[]): string {
    for (const name of names) {
      const value = this.optString(name);
      if (value !== undefined && value !== '') return value;
    }
    throw invalid(`Missing value for required parameter '${names[0] as string}'.`, names[0]);
  }

  /** A whole number, from a JSON number or a string of digits. */
  optInt(name: string): number | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    const number = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isSafeInteger(number))
      throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: it must be an integer.`, name);
    return number;
  }

  int(name: string): number {
    const value = this.optInt(name);
    if (value === undefined) throw invalid(`Missing value for required parameter '${name}'.`, name);
    return value;
  }

  /** A bool: JSON true/false, or "true"/"false" in a query. */
  optBool(name: string): boolean | undefined {
    const value = this.values[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: it must be a boolean.`, name);
  }

  /** A double; proto3 JSON spells the special values "NaN", "Infinity" and "-Infinity". */
  double(name: string): number {
    const value = this.values[name];
    if (value === undefined || value === null) throw invalid(`Missing value for required parameter '${name}'.`, name);
    return toDouble(value, name);
  }

  optStrings(name: string): string[] {
    if (this.repeated[name] !== undefined) return [...(this.repeated[name] as readonly string[])];
    const value = this.values[name];
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
      throw invalid(`Invalid value for parameter '${name}' supplied: it must be a list of strings.`, name);
    return value as string[];
  }

  /** A repeated message field, each element read by its own Fields. */
  list(name: string): Fields[] {
    const value = this.values[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalid(`Invalid value for parameter '${name}' supplied: it must be a list.`, name);
    return value.map((item) => {
      if (typeof item !== 'object' || item === null || Array.isArray(item))
        throw invalid(`Invalid value for parameter '${name}' supplied: it must be a list of objects.`, name);
      return new Fields(item as Record<string, unknown>);
    });
  }

  /** A nested message field. */
  message(name: string): Fields {
    const value = this.values[name];
    if (value === undefined || value === null) throw invalid(`Missing value for required parameter '${name}'.`, name);
    if (typeof value !== 'object' || Array.isArray(value)) throw invalid(`Invalid value for parameter '${name}' supplied: it must be an object.`, name);
    return new Fields(value as Record<string, unknown>);
  }
}

function toDouble(value: unknown, name: string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  throw invalid(`Invalid value ${JSON.stringify(value)} for parameter '${name}' supplied: it must be a number.`, name);
}

export function invalid(message: string, field?: string): AquiferError {
  return new AquiferError('HTTP_BODY_INVALID', message, {
    ...(field === undefined ? {} : { value: { field } }),
    hint: "See MLflow's REST API reference for the request's fields.",
  });
}
