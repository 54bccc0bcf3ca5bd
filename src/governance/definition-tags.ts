import type { Engine } from '../engine/index.js';
import type { FeatureRepository } from '../features/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, TableNotFoundError, type StructField } from '../table/index.js';
import { tagColumns } from './tag-columns.js';
import { checkTag, tagsOf } from './tags.js';

/** Tags a definitions file asks for on one table's columns, and what applying them committed. */
export interface DefinitionTags {
  /** The table as the definitions name it. */
  table: string;
  /** Column to the tags the definitions give it. */
  columns: Record<string, string[]>;
  /** The version committed, when some tag was new; absent when the table had them all already. */
  version?: number;
  /** The table does not exist yet; apply again once it does. */
  pending?: boolean;
}

/**
 * The column tags the definitions declare, per source table: a source's `columnTags`, the
 * tags of its entities' join keys, and the tags of features read from the table as they
 * are (a view with a transformation or aggregations computes its features, so their tags
 * stay on the features: online lookups and training sets mask by them).
 */
export function declaredDefinitionTags(repository: FeatureRepository): Map<string, Record<string, string[]>> {
  const byTable = new Map<string, Record<string, string[]>>();
  const add = (table: string, column: string, tags: readonly string[] | undefined) => {
    if (tags === undefined || tags.length === 0) return;
    const columns = byTable.get(table) ?? {};
    columns[column] = [...new Set([...(columns[column] ?? []), ...tags.map(checkTag)])].sort();
    byTable.set(table, columns);
  };
  for (const view of repository.featureViews) {
    const table = view.source.table;
    for (const [column, tags] of Object.entries(view.source.columnTags ?? {})) add(table, column, tags);
    for (const entityName of view.entities)
      for (const key of repository.entities.find((e) => e.name === entityName)?.joinKeys ?? []) add(table, key.name, key.tags);
    if (view.transformation === undefined && view.aggregation === undefined) for (const feature of view.features) add(table, feature.name, feature.tags);
  }
  return byTable;
}

/**
 * Set the tags the definitions declare on their tables' columns (`aquifer apply`): one
 * metadata-only commit per table that lacks some of them, none when all are there. Tags are
 * only added: a tag taken out of the definitions stays on the table until removed with
 * `aquifer table tag --remove`, since the table cannot tell who set it.
 */
export async function applyDefinitionTags(project: Project, engine: Engine, repository: FeatureRepository): Promise<DefinitionTags[]> {
  const results: DefinitionTags[] = [];
  for (const [name, columns] of declaredDefinitionTags(repository)) {
    const table = await DeltaTable.open(project.tableLocation(name, { internal: true }), { engine, stores: project.stores });
    let fields: readonly StructField[];
    try {
      fields = (await table.snapshot()).schema.fields;
    } catch (error) {
      // A source not written yet: its tags are set by the first apply after it exists.
      if (!(error instanceof TableNotFoundError)) throw error;
      results.push({ table: name, columns, pending: true });
      continue;
    }
    const missing: Record<string, string[]> = {};
    for (const [column, tags] of Object.entries(columns)) {
      const field = fields.find((f) => f.name.toLowerCase() === column.toLowerCase());
      const present = field === undefined ? [] : tagsOf(field.metadata);
      // An unknown column is left to tagColumns, whose TABLE_COLUMN_NOT_FOUND names it.
      const absent = tags.filter((t) => !present.includes(t));
      if (field === undefined || absent.length > 0) missing[column] = absent.length > 0 ? absent : tags;
    }
    const result: DefinitionTags = { table: name, columns };
    if (Object.keys(missing).length > 0) result.version = (await tagColumns(table, missing)).version;
    results.push(result);
  }
  return results;
}
