import { z } from 'zod';
import { firstIssue } from '../../project/index.js';
import { PRIMITIVE_TYPES } from '../../table/index.js';
import { FeatureDefinitionError } from '../errors.js';
import { AGGREGATION_FUNCTIONS } from './definitions.js';

/**
 * The shape of a definitions file (features.json), checked before anything reads it, so a
 * typo is an error naming the field (`featureViews[2].ttl`) rather than an undefined deep
 * inside a query. Objects are strict: an unknown key is most often a misspelt known one.
 * Whether names resolve and columns exist is the registry's check (validate.ts).
 */
const name = z.string().min(1, 'must not be empty');
const type = z.enum(PRIMITIVE_TYPES, { error: `must be one of: ${PRIMITIVE_TYPES.join(', ')}` });
const duration = z.union([z.string(), z.number()], { error: 'must be a duration like "1h" or "7d", or seconds' });
/** Column tags (`pii:email`, `sensitive`): checked against the tag rules when `aquifer apply` sets them. */
const columnTags = z.array(z.string().min(1, 'must not be empty')).max(16, 'at most 16 tags').exactOptional();
const feature = z.strictObject({ name, type, description: z.string().exactOptional(), tags: columnTags });

const entity = z.strictObject({
  name,
  joinKeys: z.array(z.strictObject({ name, type, tags: columnTags })).min(1, 'needs at least one join key'),
  description: z.string().exactOptional(),
});

const source = z.strictObject({
  kind: z.literal('table', { error: 'must be "table"' }),
  table: name,
  timestampField: name,
  createdTimestampField: name.exactOptional(),
  columnTags: z.record(name, z.array(z.string().min(1, 'must not be empty')).max(16, 'at most 16 tags')).exactOptional(),
});

const aggregation = z.strictObject({
  function: z.enum(AGGREGATION_FUNCTIONS, { error: `must be one of: ${AGGREGATION_FUNCTIONS.join(', ')}` }),
  column: name.exactOptional(),
  window: duration,
  windowType: z.enum(['sliding', 'tumbling']).exactOptional(),
  name: name.exactOptional(),
  type: type.exactOptional(),
});

const featureView = z.strictObject({
  name,
  entities: z.array(name),
  source,
  // Aggregation views derive their features from the aggregations; others must list them.
  features: z.array(feature).exactOptional(),
  ttl: duration.exactOptional(),
  transformation: z.string({ error: 'must be SQL text: "SELECT ... FROM source"' }).exactOptional(),
  aggregation: z.strictObject({ interval: duration, aggregations: z.array(aggregation) }).exactOptional(),
  tags: z.record(z.string(), z.string()).exactOptional(),
  owner: z.string().exactOptional(),
  description: z.string().exactOptional(),
});

const featureService = z.strictObject({ name, features: z.array(z.string()), description: z.string().exactOptional() });

const repository = z.strictObject({
  entities: z.array(entity),
  featureViews: z.array(featureView).superRefine((views, context) => {
    views.forEach((view, index) => {
      if (view.aggregation === undefined && view.features === undefined)
        context.addIssue({ code: 'custom', path: [index, 'features'], message: 'is required (unless the view has an "aggregation")' });
    });
  }),
  featureServices: z.array(featureService).exactOptional(),
});

/**
 * On-demand views as the registry keeps them: metadata only, since their functions cannot
 * be written to a file (the library supplies them again when it opens the store).
 */
const onDemandView = z.strictObject({
  name,
  sources: z.array(z.string()),
  requestFields: z.array(z.strictObject({ name, type })).exactOptional(),
  features: z.array(feature),
  description: z.string().exactOptional(),
});

/** Applied definitions as a registry entry holds them: a definitions file, with on-demand views' metadata. */
export const appliedRepository = repository.extend({ onDemandFeatureViews: z.array(onDemandView).exactOptional() });

/** Definitions as a file holds them: aggregation views may leave their features out. */
export type RepositoryFile = z.infer<typeof repository>;

/** Check a parsed definitions file's shape; `where` (the file) goes in the error. */
export function parseRepositoryFile(json: unknown, where: string): RepositoryFile {
  const result = repository.safeParse(json);
  if (result.success) return result.data;
  const issue = firstIssue(result.error);
  throw new FeatureDefinitionError(
    'FEATURE_DEFINITION_SHAPE_INVALID',
    `${where}: ${issue.path} ${issue.message}`,
    { file: where, field: issue.path },
    'See docs/features.md for the format of feature definitions.',
  );
}
