import { PredicateInvalidError } from '../errors.js';
import { physicalName, type ColumnMappingMode, type DataType, type StructField, type StructType } from '../schema/index.js';

export interface ResolvedColumn {
  /** Logical path, as named in the schema. */
  logical: string[];
  /** Physical path: the names in data files and stats. */
  physical: string[];
  type: DataType;
  /** Set when the path is a partition column. */
  partitionIndex?: number;
}

/**
 * Resolve a column path from a filter against the table schema, case-insensitively as
 * Delta column names are. A path that is not in the schema is a typed error listing
 * what is.
 */
export function resolveColumn(
  schema: StructType,
  mode: ColumnMappingMode,
  partitionColumns: readonly string[],
  path: string[],
  predicate: string,
): ResolvedColumn | undefined {
  let fields: readonly StructField[] = schema.fields;
  const logical: string[] = [];
  const physical: string[] = [];
  let type: DataType | undefined;
  for (const [depth, name] of path.entries()) {
    const field = fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (field === undefined) {
      if (depth === 0) {
        // A lone name that is no column may be a table alias or a struct field reached another way; DuckDB decides.
        if (path.length > 1) return undefined;
        throw new PredicateInvalidError(
          `The filter names column '${name}', which the table does not have (columns: ${schema.fields.map((f) => f.name).join(', ')})`,
          predicate,
        );
      }
      return undefined;
    }
    logical.push(field.name);
    physical.push(physicalName(field, mode));
    type = field.type;
    if (depth < path.length - 1) {
      if (field.type.kind !== 'struct') return undefined;
      fields = field.type.fields;
    }
  }
  if (type === undefined) return undefined;
  const resolved: ResolvedColumn = { logical, physical, type };
  if (logical.length === 1) {
    const index = partitionColumns.indexOf(logical[0] as string);
    if (index >= 0) resolved.partitionIndex = index;
  }
  return resolved;
}
