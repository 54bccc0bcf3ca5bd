import { quoteIdent } from '../../engine/index.js';
import { SchemaInvalidError } from '../errors.js';
import type { DataType } from './data-type.js';

/** The DuckDB type a Delta type is read as. */
export function toDuckDBType(type: DataType): string {
  switch (type.kind) {
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'array':
      return `${toDuckDBType(type.elementType)}[]`;
    case 'map':
      return `MAP(${toDuckDBType(type.keyType)}, ${toDuckDBType(type.valueType)})`;
    case 'struct':
      return `STRUCT(${type.fields.map((f) => `${quoteIdent(f.name)} ${toDuckDBType(f.type)}`).join(', ')})`;
    case 'primitive':
      switch (type.name) {
        case 'string':
          return 'VARCHAR';
        case 'long':
          return 'BIGINT';
        case 'integer':
          return 'INTEGER';
        case 'short':
          return 'SMALLINT';
        case 'byte':
          return 'TINYINT';
        case 'float':
          return 'FLOAT';
        case 'double':
          return 'DOUBLE';
        case 'boolean':
          return 'BOOLEAN';
        case 'binary':
          return 'BLOB';
        case 'date':
          return 'DATE';
        case 'timestamp':
          return 'TIMESTAMPTZ';
        case 'timestamp_ntz':
          return 'TIMESTAMP';
        case 'void':
          return 'INTEGER';
        case 'variant':
          throw new SchemaInvalidError(
            "The 'variant' type cannot be read by Aquifer yet",
            'variant',
            'Cast the column to string in the writing engine, or read the table with Spark.',
          );
      }
  }
}
