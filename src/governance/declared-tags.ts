import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Engine } from '../engine/index.js';
import { datasetKind, type OpenLineageRunEvent } from '../lineage/index.js';
import { tableDataset } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { columnMappingMode, DeltaTable, physicalName, type ColumnMappingMode, type StructField } from '../table/index.js';
import { tagsOf } from './tags.js';
import { key, type DatasetColumn } from './column-flow.js';

/** A column with the tags its table's metadata gives it. */
export interface DeclaredColumn extends DatasetColumn {
  tags: string[];
}

/** Dataset kinds that are Delta tables, which can hold tags in their schema. */
const TABLE_KINDS: ReadonlySet<string> = new Set(['table', 'training-set', 'predictions']);

export interface ProjectColumns {
  declared: DeclaredColumn[];
  /**
   * Column-mapped tables' physical column names (by `key`) to their columns by logical name:
   * lineage read from a scan's SQL names the columns in the files, which such tables name apart.
   */
  physical: Map<string, DatasetColumn>;
}

/**
 * Every tagged column of the project's tables as their latest versions declare it: the tables
 * in the project's `tables/` folder, and every other Delta table the lineage log saw written
 * or read (tables by path, in a bucket, saved training sets). A table that no longer opens
 * (dropped, moved) declares nothing.
 */
export async function projectColumns(project: Project, engine: Engine, events: readonly OpenLineageRunEvent[]): Promise<ProjectColumns> {
  const locations = new Map<string, { namespace: string; name: string }>();
  for (const location of await localTables(project)) locations.set(location, tableDataset(location));
  for (const event of events)
    for (const dataset of [...event.inputs, ...event.outputs]) {
      if (!TABLE_KINDS.has(datasetKind(dataset) ?? '') || dataset.namespace.startsWith('aquifer://')) continue;
      const location = dataset.namespace === 'file' ? dataset.name : `${dataset.namespace}/${dataset.name}`;
      locations.set(location, { namespace: dataset.namespace, name: dataset.name });
    }
  const declared: DeclaredColumn[] = [];
  const physical = new Map<string, DatasetColumn>();
  for (const [location, id] of [...locations].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const schema = await schemaOf(project, engine, location);
    if (schema === undefined) continue;
    for (const { column, tags } of taggedFields(schema.fields, [])) declared.push({ ...id, column, tags });
    if (schema.mode !== 'none')
      for (const field of schema.fields) physical.set(key({ ...id, column: physicalName(field, schema.mode) }), { ...id, column: field.name });
  }
  return { declared, physical };
}

async function localTables(project: Project): Promise<string[]> {
  if (project.config.backends.tableStorage !== 'local') return [];
  const root = path.join(project.root, 'tables');
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const tables: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory())) {
    const log = await stat(path.join(root, entry.name, '_delta_log')).catch(() => undefined);
    if (log?.isDirectory() === true) tables.push(path.join(root, entry.name));
  }
  return tables;
}

async function schemaOf(project: Project, engine: Engine, location: string): Promise<{ fields: readonly StructField[]; mode: ColumnMappingMode } | undefined> {
  try {
    const snapshot = await (await DeltaTable.open(location, { engine, stores: project.stores })).snapshot();
    return { fields: snapshot.schema.fields, mode: columnMappingMode(snapshot.configuration) };
  } catch {
    return undefined;
  }
}

/** Tagged fields, nested ones named by their path (`address.city`). */
export function taggedFields(fields: readonly StructField[], prefix: readonly string[] = []): { column: string; tags: string[] }[] {
  return fields.flatMap((f) => {
    const own = tagsOf(f.metadata);
    const here = own.length === 0 ? [] : [{ column: [...prefix, f.name].join('.'), tags: own }];
    return f.type.kind === 'struct' ? [...here, ...taggedFields(f.type.fields, [...prefix, f.name])] : here;
  });
}
