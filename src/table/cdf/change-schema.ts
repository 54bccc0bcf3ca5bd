import type { StructType } from '../schema/index.js';

export const CHANGE_TYPE_COLUMN = '_change_type';
export const COMMIT_VERSION_COLUMN = '_commit_version';
export const COMMIT_TIMESTAMP_COLUMN = '_commit_timestamp';

/** The columns of a change data file: the table's, then `_change_type`. */
export function changeDataSchema(schema: StructType): StructType {
  return {
    kind: 'struct',
    fields: [...schema.fields, { name: CHANGE_TYPE_COLUMN, type: { kind: 'primitive', name: 'string' }, nullable: true, metadata: {} }],
  };
}
