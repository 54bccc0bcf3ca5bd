import type { DataType, StructField } from '../schema/index.js';

/** A column's value replaced for a reader: the SQL computing it from the clear value, and the type it then has. */
export interface MaskedColumn {
  sql: string;
  type: DataType;
}

/**
 * What a reader may see of each column: given a field and the SQL of its clear value, the
 * masked value, or undefined to leave the column as it is. The table layer only applies it;
 * which columns to mask and how is governance's business (tags, policies, scopes).
 */
export type ColumnMask = (field: StructField, valueSql: string) => MaskedColumn | undefined;
