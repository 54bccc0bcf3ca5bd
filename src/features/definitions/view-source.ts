import type { Engine } from '../../engine/index.js';
import { EngineQueryError } from '../../engine/index.js';
import { fromDuckDBType, type StructType } from '../../table/index.js';
import { FeatureDefinitionError } from '../errors.js';
import type { FeatureView } from './definitions.js';

/** The rows a view reads: the table's rows, through the view's transformation when it has one. */
export function viewSourceSql(view: FeatureView, tableSql: string): string {
  if (view.transformation === undefined) return tableSql;
  return `WITH source AS (${tableSql}) SELECT * FROM (${view.transformation})`;
}

/**
 * The columns a view reads, with their types: the table's schema, or what the
 * transformation gives (asked of DuckDB without reading any row). A transformation
 * DuckDB cannot plan is a definition error naming the view.
 */
export async function viewSourceSchema(engine: Engine, view: FeatureView, tableSchema: StructType, tableSql: () => Promise<string>): Promise<StructType> {
  if (view.transformation === undefined) return tableSchema;
  let reader;
  try {
    reader = await engine.read(`SELECT * FROM (${viewSourceSql(view, await tableSql())}) LIMIT 0`);
  } catch (error) {
    if (!(error instanceof EngineQueryError)) throw error;
    throw new FeatureDefinitionError(
      'FEATURE_DEFINITION_TRANSFORMATION_INVALID',
      `The transformation of feature view '${view.name}' does not run: ${error.message}`,
      { view: view.name, transformation: view.transformation },
      "Write a DuckDB SELECT over `source` (the table's rows); test it with `aquifer table read`.",
    );
  }
  const names = reader.columnNames();
  const types = reader.columnTypes();
  return { kind: 'struct', fields: names.map((name, i) => ({ name, type: fromDuckDBType(types[i]!, name), nullable: true, metadata: {} })) };
}
