import type { Engine } from '../engine/index.js';
import { planAggregation, type FeatureRepository, type FeatureView } from '../features/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, primitive, TableNotFoundError, type DataType, type StructField } from '../table/index.js';
import { flowsToDerived, tagsOf } from './tags.js';

/** The tags a feature's values carry, and its type when known. */
export interface FeatureColumnTags {
  tags: string[];
  type?: DataType;
}

/** What masks the values a feature store hands out: by `view:feature`, and by entity join key. */
export interface FeatureTags {
  features: Map<string, FeatureColumnTags>;
  keys: Map<string, FeatureColumnTags>;
}

/**
 * The tags of every feature and join key of the definitions: each feature's own tags, those
 * the definitions give its source column, and those its source table's column declares; an
 * aggregate carries its column's personal and sensitive tags (a count carries none); an
 * on-demand feature carries those of the features it reads. A column of the same name as a
 * feature is taken to feed it even through a view's transformation: masking a column it did
 * not come from shows less, never more.
 */
export async function featureTags(project: Project, engine: Engine, repository: FeatureRepository): Promise<FeatureTags> {
  const features = new Map<string, FeatureColumnTags>();
  const keys = new Map<string, FeatureColumnTags>();
  const merge = (into: Map<string, FeatureColumnTags>, name: string, tags: readonly string[], type?: DataType) => {
    const entry = into.get(name) ?? { tags: [] };
    entry.tags = [...new Set([...entry.tags, ...tags])].sort();
    if (type !== undefined) entry.type = type;
    into.set(name, entry);
  };
  for (const view of repository.featureViews) {
    const fields = await sourceFields(project, engine, view);
    const columnTags = (column: string | undefined): string[] => {
      if (column === undefined) return [];
      const field = fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
      const declared = Object.entries(view.source.columnTags ?? {}).find(([name]) => name.toLowerCase() === column.toLowerCase())?.[1] ?? [];
      return [...(field === undefined ? [] : tagsOf(field.metadata)), ...declared];
    };
    const typeOf = (name: string): DataType => primitive(view.features.find((f) => f.name === name)?.type ?? 'string');
    if (view.aggregation !== undefined) {
      for (const aggregate of planAggregation(view.name, view.aggregation).aggregates) {
        const carried = aggregate.function === 'count' || aggregate.function === 'count_distinct' ? [] : columnTags(aggregate.column).filter(flowsToDerived);
        const own = view.features.find((f) => f.name === aggregate.feature.name)?.tags ?? [];
        merge(features, `${view.name}:${aggregate.feature.name}`, [...own, ...carried], typeOf(aggregate.feature.name));
      }
    } else
      for (const feature of view.features)
        merge(features, `${view.name}:${feature.name}`, [...(feature.tags ?? []), ...columnTags(feature.name)], typeOf(feature.name));
    for (const entityName of view.entities)
      for (const key of repository.entities.find((e) => e.name === entityName)?.joinKeys ?? [])
        merge(keys, key.name, [...(key.tags ?? []), ...columnTags(key.name)], primitive(key.type));
  }
  for (const view of repository.onDemandFeatureViews ?? []) {
    const carried = view.sources.flatMap((source) => features.get(source)?.tags ?? []).filter(flowsToDerived);
    for (const feature of view.features) merge(features, `${view.name}:${feature.name}`, [...(feature.tags ?? []), ...carried], primitive(feature.type));
  }
  return { features, keys };
}

/**
 * The source table's fields; none when it does not exist yet (then only the definitions' tags
 * count). Any other failure (storage down, a broken log) is thrown: answering without knowing
 * a column's tags could hand out values that should have been masked.
 */
async function sourceFields(project: Project, engine: Engine, view: FeatureView): Promise<readonly StructField[]> {
  const table = await DeltaTable.open(project.tableLocation(view.source.table, { internal: true }), { engine, stores: project.stores });
  try {
    return (await table.snapshot()).schema.fields;
  } catch (error) {
    if (error instanceof TableNotFoundError) return [];
    throw error;
  }
}

/**
 * The tags of a column of a feature store's answer (Feast's `feature_names`): `view__feature`
 * names one feature; a bare `feature` could be any view's, so it takes the tags of every
 * feature so named; a join key's are its entity's.
 */
export function answerColumnTags(tags: FeatureTags, name: string): FeatureColumnTags | undefined {
  const full = /^(.+?)__(.+)$/.exec(name);
  if (full !== null) {
    const found = tags.features.get(`${full[1]}:${full[2]}`);
    if (found !== undefined) return found;
  }
  const all = [...tags.features].filter(([reference]) => reference.slice(reference.indexOf(':') + 1) === name).map(([, t]) => t);
  const key = tags.keys.get(name);
  if (key !== undefined) all.push(key);
  if (all.length === 0) return undefined;
  const first = all[0] as FeatureColumnTags;
  return { tags: [...new Set(all.flatMap((t) => t.tags))].sort(), ...(first.type === undefined ? {} : { type: first.type }) };
}

/** Values of a feature store's answer (Feast's shape) as the reader may see them: each column masked by its tags. */
export function maskOnlineAnswer<T extends { metadata: { feature_names: string[] }; results: { values: unknown[] }[] }>(
  answer: T,
  tags: FeatureTags,
  mask: (value: unknown, tags: readonly string[], type?: DataType) => unknown,
): T {
  const results = answer.results.map((result, i) => {
    const column = answerColumnTags(tags, answer.metadata.feature_names[i] ?? '');
    if (column === undefined || column.tags.length === 0) return result;
    return { ...result, values: result.values.map((v) => mask(v, column.tags, column.type)) };
  });
  return { ...answer, results };
}
