import type { StructField } from './data-type.js';

export type ColumnMappingMode = 'none' | 'name' | 'id';

export const PHYSICAL_NAME_KEY = 'delta.columnMapping.physicalName';
export const COLUMN_ID_KEY = 'delta.columnMapping.id';
export const MAX_COLUMN_ID_KEY = 'delta.columnMapping.maxColumnId';

export function columnMappingMode(configuration: Readonly<Record<string, string>>): ColumnMappingMode {
  const mode = configuration['delta.columnMapping.mode'];
  return mode === 'name' || mode === 'id' ? mode : 'none';
}

/**
 * The column's name in data files, stats and partition values.
 *
 * Columns that existed before mapping was enabled keep their logical name as the
 * physical one, so a missing physicalName falls back to the logical name.
 */
export function physicalName(field: StructField, mode: ColumnMappingMode): string {
  if (mode === 'none') return field.name;
  const name = field.metadata[PHYSICAL_NAME_KEY];
  return typeof name === 'string' && name !== '' ? name : field.name;
}

export function columnId(field: StructField): number | undefined {
  const id = field.metadata[COLUMN_ID_KEY];
  return typeof id === 'number' ? id : undefined;
}
