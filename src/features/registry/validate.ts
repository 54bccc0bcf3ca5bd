import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable, describeType, TableNotFoundError, type DataType } from '../../table/index.js';
import type { FeatureRepository, FeatureView } from '../definitions/definitions.js';
import { durationSeconds } from '../definitions/duration.js';
import { FeatureDefinitionError } from '../errors.js';
import { planAggregation } from '../aggregation/aggregation-plan.js';
import { planKinds } from '../aggregation/slots.js';
import { viewSourceSchema } from '../definitions/view-source.js';
import { checkOnDemandViews } from '../definitions/on-demand.js';

/** Types a feature may be declared as for a column of a given Delta type. */
function compatible(declared: string, actual: DataType): boolean {
  const name = actual.kind === 'primitive' ? actual.name : actual.kind;
  if (declared === name) return true;
  const integral = ['byte', 'short', 'integer', 'long'];
  const floating = ['float', 'double'];
  if (integral.includes(declared) && integral.includes(name)) return true;
  if (floating.includes(declared) && (floating.includes(name) || name === 'decimal')) return true;
  return false;
}

/**
 * Check definitions against themselves and against the tables they read: unique names,
 * defined entities, valid TTLs, and every join key, time column and feature present in
 * the source table with a compatible type. Each problem is a typed error naming the
 * definition and the column.
 */
export async function validateRepository(repository: FeatureRepository, project: Project, engine: Engine): Promise<void> {
  const seen = new Set<string>();
  for (const kind of ['entities', 'featureViews', 'featureServices', 'onDemandFeatureViews'] as const) {
    for (const item of repository[kind] ?? []) {
      if (seen.has(item.name))
        throw new FeatureDefinitionError(
          'FEATURE_DEFINITION_DUPLICATE',
          `The name '${item.name}' is defined twice`,
          item.name,
          'Give every entity, feature view, on-demand view and feature service its own name.',
        );
      seen.add(item.name);
    }
  }
  for (const view of repository.featureViews) await validateView(view, repository, project, engine);
  checkOnDemandViews(repository);
  for (const service of repository.featureServices ?? []) {
    for (const reference of service.features) {
      const [viewName, feature] = reference.split(':');
      const view = repository.featureViews.find((v) => v.name === viewName);
      if (view === undefined || (feature !== '*' && !view.features.some((f) => f.name === feature))) {
        throw new FeatureDefinitionError(
          'FEATURE_DEFINITION_UNKNOWN_FEATURE',
          `Feature service '${service.name}' names '${reference}', which no feature view defines`,
          { service: service.name, feature: reference },
          'Reference features as view:feature (or view:*).',
        );
      }
    }
  }
}

async function validateView(view: FeatureView, repository: FeatureRepository, project: Project, engine: Engine): Promise<void> {
  if (view.ttl !== undefined) durationSeconds(view.ttl, `TTL of feature view '${view.name}'`, 'FEATURE_DEFINITION_TTL_INVALID');
  const keys = view.entities.flatMap((name) => {
    const entity = repository.entities.find((e) => e.name === name);
    if (entity === undefined)
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_UNKNOWN_ENTITY',
        `Feature view '${view.name}' names entity '${name}', which is not defined`,
        { view: view.name, entity: name },
        'Define the entity first.',
      );
    return entity.joinKeys;
  });
  // A view may read one of Aquifer's own tables (a model's prediction log); pushing into it is refused (push.ts).
  const location = project.tableLocation(view.source.table, { internal: true });
  let schema;
  try {
    const table = await DeltaTable.open(location, { engine, stores: project.stores });
    const snapshot = await table.snapshot();
    schema = await viewSourceSchema(engine, view, snapshot.schema, async () => (await table.scan({ version: snapshot.version })).sql());
  } catch (error) {
    if (error instanceof TableNotFoundError)
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_UNKNOWN_TABLE',
        `Feature view '${view.name}' reads table '${view.source.table}', which does not exist`,
        { view: view.name, table: view.source.table },
        'Create or ingest the table first, or fix the path.',
      );
    throw error;
  }
  const column = (name: string, role: string) => {
    const field = schema.fields.find((f) => f.name === name);
    if (field === undefined)
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_UNKNOWN_COLUMN',
        `Feature view '${view.name}': ${role} '${name}' is not a column of ${view.transformation === undefined ? `'${view.source.table}'` : `what the transformation of '${view.source.table}' gives`} (columns: ${schema.fields.map((f) => f.name).join(', ')})`,
        { view: view.name, column: name },
        'Fix the column name in the definition.',
      );
    return field;
  };
  for (const key of keys) {
    const field = column(key.name, 'join key');
    if (!compatible(key.type, field.type))
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_TYPE_MISMATCH',
        `Feature view '${view.name}': join key '${key.name}' is ${key.type} in the entity but ${describeType(field.type)} in the table`,
        { view: view.name, column: key.name },
        'Make the entity key type match the table.',
      );
  }
  for (const [role, name] of [
    ['time column', view.source.timestampField],
    ['created time column', view.source.createdTimestampField],
  ] as const) {
    if (name === undefined) continue;
    const field = column(name, role);
    if (field.type.kind !== 'primitive' || !['timestamp', 'timestamp_ntz', 'date'].includes(field.type.name)) {
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_TYPE_MISMATCH',
        `Feature view '${view.name}': ${role} '${name}' is ${describeType(field.type)}, not a timestamp`,
        { view: view.name, column: name },
        'Point it at a timestamp column.',
      );
    }
  }
  if (view.aggregation !== undefined) {
    planKinds(view.name, planAggregation(view.name, view.aggregation), schema);
    return;
  }
  for (const feature of view.features) {
    const field = column(feature.name, 'feature');
    if (!compatible(feature.type, field.type))
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_TYPE_MISMATCH',
        `Feature view '${view.name}': feature '${feature.name}' is declared ${feature.type} but is ${describeType(field.type)} in the table`,
        { view: view.name, column: feature.name },
        'Declare the type the table has.',
      );
  }
}
