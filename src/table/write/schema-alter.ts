import { WriteInvalidError } from '../errors.js';
import { checkColumnNames, columnMappingMode, type DataType, type StructField, type StructType } from '../schema/index.js';

/** A metadata-only change of the schema: no data file is read or written. */
export type SchemaChange =
  /** Rename a column or a nested struct field (path from the top), keeping its data. */
  | { kind: 'rename-column'; column: readonly string[]; to: string }
  /** Drop columns or nested struct fields; their data stays in the files, unread. */
  | { kind: 'drop-columns'; columns: readonly (readonly string[])[] }
  /**
   * Change the metadata of columns (or nested fields): `update` is given each one's metadata
   * as stored and returns the new one. Data files never see field metadata, so this needs no
   * column mapping; keys the update leaves alone (column mapping's among them) are kept.
   */
  | { kind: 'column-metadata'; columns: readonly ColumnMetadataUpdate[] };

export interface ColumnMetadataUpdate {
  column: readonly string[];
  update: (metadata: Readonly<Record<string, unknown>>) => Record<string, unknown>;
}

export interface AlteredSchema {
  schema: StructType;
  partitionColumns: string[];
}

/**
 * The schema after a rename or drop. Both need column mapping, because data files name
 * columns by physical name: renaming the logical name, or forgetting a column, then
 * leaves every file valid. Names match case-insensitively, as Delta's do.
 */
export function alterSchema(
  schema: StructType,
  partitionColumns: readonly string[],
  configuration: Readonly<Record<string, string>>,
  change: SchemaChange,
  location: string,
): AlteredSchema {
  if (change.kind === 'column-metadata')
    return { schema: { kind: 'struct', fields: withMetadata(schema.fields, change.columns, location) }, partitionColumns: [...partitionColumns] };
  if (columnMappingMode(configuration) === 'none') {
    throw new WriteInvalidError(
      'TABLE_COLUMN_MAPPING_REQUIRED',
      `${change.kind === 'rename-column' ? 'Renaming' : 'Dropping'} a column of ${location} needs column mapping, which the table does not use`,
      location,
      'Create tables that will change shape with the property delta.columnMapping.mode=name, or rewrite this one with an overwrite and overwriteSchema.',
    );
  }
  if (change.kind === 'rename-column') {
    const [top] = change.column;
    if (top === undefined) throw invalid('No column to rename was named', change.column, 'Name the column to rename.');
    if (change.to.trim() === '') throw invalid('A column cannot be renamed to an empty name', change.to, 'Give the new name.');
    const fields = renameIn(schema.fields, change.column, change.to, location);
    checkColumnNames(fields);
    const renamedPartition =
      change.column.length === 1 ? partitionColumns.map((p) => (p.toLowerCase() === top.toLowerCase() ? change.to : p)) : [...partitionColumns];
    return { schema: { kind: 'struct', fields }, partitionColumns: renamedPartition };
  }
  if (change.columns.length === 0) throw invalid('No column to drop was named', change.columns, 'Name at least one column.');
  let fields = schema.fields;
  for (const column of change.columns) {
    const [top] = column;
    if (top === undefined) throw invalid('An empty column path was given to drop', column, 'Name each column to drop.');
    if (column.length === 1 && partitionColumns.some((p) => p.toLowerCase() === top.toLowerCase())) {
      throw invalid(
        `'${top}' is a partition column of ${location}; partition columns cannot be dropped`,
        top,
        'Overwrite the table with overwriteSchema and new partition columns instead.',
      );
    }
    fields = dropIn(fields, column, location);
  }
  if (fields.length === 0)
    throw invalid(
      `Dropping ${change.columns.map((c) => c.join('.')).join(', ')} would leave ${location} without columns`,
      change.columns,
      'Keep at least one column.',
    );
  return { schema: { kind: 'struct', fields }, partitionColumns: [...partitionColumns] };
}

function withMetadata(fields: readonly StructField[], updates: readonly ColumnMetadataUpdate[], location: string): StructField[] {
  if (updates.length === 0) throw invalid('No column to change was named', updates, 'Name at least one column.');
  let changed: readonly StructField[] = fields;
  for (const { column, update } of updates) {
    if (column.length === 0) throw invalid('An empty column path was given', column, 'Name each column.');
    changed = metadataIn(changed, column, update, location);
  }
  return [...changed];
}

function metadataIn(fields: readonly StructField[], path: readonly string[], update: ColumnMetadataUpdate['update'], location: string): StructField[] {
  const [name, ...rest] = path as [string, ...string[]];
  const index = indexOf(fields, name, path, location);
  const field = fields[index] as StructField;
  const replaced: StructField =
    rest.length === 0
      ? { ...field, metadata: update(field.metadata) }
      : { ...field, type: structOf(field, path, location, (inner) => metadataIn(inner, rest, update, location)) };
  return fields.map((f, i) => (i === index ? replaced : f));
}

function renameIn(fields: readonly StructField[], path: readonly string[], to: string, location: string): StructField[] {
  const [name, ...rest] = path as [string, ...string[]];
  const index = indexOf(fields, name, path, location);
  const field = fields[index] as StructField;
  let replaced: StructField;
  if (rest.length === 0) {
    const clash = fields.find((f, i) => i !== index && f.name.toLowerCase() === to.toLowerCase());
    if (clash !== undefined)
      throw invalid(`There is already a column '${clash.name}' beside '${field.name}'`, to, 'Pick a name no sibling column has (names are case-insensitive).');
    replaced = { ...field, name: to };
  } else {
    replaced = { ...field, type: structOf(field, path, location, (inner) => renameIn(inner, rest, to, location)) };
  }
  return fields.map((f, i) => (i === index ? replaced : f));
}

function dropIn(fields: readonly StructField[], path: readonly string[], location: string): StructField[] {
  const [name, ...rest] = path as [string, ...string[]];
  const index = indexOf(fields, name, path, location);
  if (rest.length === 0) return fields.filter((_, i) => i !== index);
  const field = fields[index] as StructField;
  const type = structOf(field, path, location, (inner) => {
    const kept = dropIn(inner, rest, location);
    if (kept.length === 0)
      throw invalid(`Dropping ${path.join('.')} would leave the struct '${field.name}' empty`, path.join('.'), `Drop '${field.name}' itself instead.`);
    return kept;
  });
  return fields.map((f, i) => (i === index ? { ...f, type } : f));
}

function structOf(field: StructField, path: readonly string[], location: string, change: (fields: readonly StructField[]) => StructField[]): DataType {
  if (field.type.kind !== 'struct')
    throw invalid(
      `'${field.name}' in ${path.join('.')} is not a struct, so it has no fields to change (${location})`,
      path.join('.'),
      'Name a struct field, or the column itself.',
    );
  return { kind: 'struct', fields: change(field.type.fields) };
}

function indexOf(fields: readonly StructField[], name: string, path: readonly string[], location: string): number {
  const index = fields.findIndex((f) => f.name.toLowerCase() === name.toLowerCase());
  if (index < 0) {
    throw new WriteInvalidError(
      'TABLE_COLUMN_NOT_FOUND',
      `${location} has no column ${path.join('.')}`,
      path.join('.'),
      `Choose among: ${fields.map((f) => f.name).join(', ')}.`,
    );
  }
  return index;
}

function invalid(message: string, value: unknown, hint: string): WriteInvalidError {
  return new WriteInvalidError('TABLE_ALTER_INVALID', message, value, hint);
}
