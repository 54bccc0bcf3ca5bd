import { z } from 'zod';
import { AquiferError } from '../errors.js';
import { PUSH_TARGETS } from '../features/index.js';

/** Entity key values are scalars: an object or a list would be stringified into a key no row has. */
const keyValues = z.array(z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** Feast's `POST /get-online-features` body. */
export const OnlineFeaturesBody = z
  .object({
    features: z.array(z.string().min(1)).optional(),
    feature_service: z.string().min(1).optional(),
    entities: z.record(z.string(), keyValues),
    full_feature_names: z.boolean().optional(),
  })
  .refine((body) => body.features !== undefined || body.feature_service !== undefined, {
    message: 'name a "features" list or a "feature_service"',
    path: ['features'],
  });

/** Feast's `POST /push` body; `df` is column-wise, the values checked by the feature store against the view. */
export const PushBody = z.object({
  push_source_name: z.string().min(1),
  df: z.record(z.string(), z.array(z.unknown())),
  to: z.enum(PUSH_TARGETS).optional(),
  allow_registry_cache: z.boolean().optional(),
});

/** `features[1]`, `entities.driver_id[0]`: where in the body an issue is. */
function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out === '' ? String(part) : `${out}.${String(part)}`), '');
}

/** The body as the schema types it, or FEATURE_REQUEST_INVALID naming the first field that is wrong. */
export function parseRequest<T>(schema: z.ZodType<T>, body: unknown, hint: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue === undefined ? '' : fieldPath(issue.path);
  throw new AquiferError('FEATURE_REQUEST_INVALID', `${field === '' ? 'The body' : `"${field}"`}: ${issue?.message ?? 'invalid'}`, { value: { field }, hint });
}
