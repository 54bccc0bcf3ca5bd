import type { z } from 'zod';
import { AquiferError } from '../errors.js';

export interface JsonBodyOptions {
  /**
   * Whether a body that is not JSON is answered with the parser's message. Off for bodies that
   * hold what must not be echoed anywhere (the values to erase): the parser quotes the text.
   */
  parserMessage?: boolean;
}

/**
 * A request body's JSON checked against its schema, or HTTP_BODY_INVALID naming the first field
 * that does not fit (`"asset"`, `"entity.user_id"`) with the route's hint.
 */
export function parseJsonBody<T>(schema: z.ZodType<T>, text: string, hint: string, options: JsonBodyOptions = {}): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = options.parserMessage === false ? '' : `: ${(error as Error).message}`;
    throw new AquiferError('HTTP_BODY_INVALID', `The body is not valid JSON${detail}`, { hint });
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  throw new AquiferError('HTTP_BODY_INVALID', `${field === '' ? 'The body' : `"${field}"`}: ${issue?.message ?? 'invalid'}`, { value: { field }, hint });
}
