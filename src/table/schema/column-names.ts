import { SchemaInvalidError } from '../errors.js';
import type { DataType, StructField } from './data-type.js';

const NUL = '\0';

/**
 * Refuse a column or field name holding NUL, at any depth. SQL cannot spell such a name
 * (DuckDB's parser stops at NUL), so a table with one could never be read or written
 * again; every other character is quoted where names reach SQL.
 */
export function checkColumnNames(fields: readonly StructField[]): void {
  for (const field of fields) {
    if (field.name.includes(NUL)) {
      throw new SchemaInvalidError(
        `The column name ${JSON.stringify(field.name)} holds a NUL character`,
        field.name,
        'Rename the column: names may hold any character but NUL.',
      );
    }
    checkType(field.type);
  }
}

/** The same for the keys of rows given in memory, before DuckDB sees them. */
export function checkRowKeys(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) checkRowKeys(item);
    return;
  }
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array || value instanceof Date) return;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes(NUL))
      throw new SchemaInvalidError(
        `The column name ${JSON.stringify(key)} holds a NUL character`,
        key,
        'Rename the column: names may hold any character but NUL.',
      );
    checkRowKeys(inner);
  }
}

function checkType(type: DataType): void {
  if (type.kind === 'struct') checkColumnNames(type.fields);
  else if (type.kind === 'array') checkType(type.elementType);
  else if (type.kind === 'map') {
    checkType(type.keyType);
    checkType(type.valueType);
  }
}
