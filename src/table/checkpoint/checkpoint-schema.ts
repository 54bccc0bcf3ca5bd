import { DuckDBTypeId, type DuckDBStructType, type DuckDBType } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../../engine/index.js';

/** A column of the checkpoint: a DuckDB type for a leaf, or the fields of a struct. */
export type FieldSpec = string | { readonly [field: string]: FieldSpec };

const STRING_MAP = 'MAP(VARCHAR, VARCHAR)';
const DELETION_VECTOR: FieldSpec = { storageType: 'VARCHAR', pathOrInlineDv: 'VARCHAR', offset: 'INTEGER', sizeInBytes: 'INTEGER', cardinality: 'BIGINT' };

/** The classic checkpoint's columns (PROTOCOL.md, Checkpoint Schema) that Aquifer writes, in order. */
export const CHECKPOINT_SCHEMA: Readonly<Record<string, FieldSpec>> = {
  txn: { appId: 'VARCHAR', version: 'BIGINT', lastUpdated: 'BIGINT' },
  add: {
    path: 'VARCHAR',
    partitionValues: STRING_MAP,
    size: 'BIGINT',
    modificationTime: 'BIGINT',
    dataChange: 'BOOLEAN',
    stats: 'VARCHAR',
    tags: STRING_MAP,
    deletionVector: DELETION_VECTOR,
    baseRowId: 'BIGINT',
    defaultRowCommitVersion: 'BIGINT',
    clusteringProvider: 'VARCHAR',
  },
  remove: {
    path: 'VARCHAR',
    deletionTimestamp: 'BIGINT',
    dataChange: 'BOOLEAN',
    extendedFileMetadata: 'BOOLEAN',
    partitionValues: STRING_MAP,
    size: 'BIGINT',
    stats: 'VARCHAR',
    tags: STRING_MAP,
    deletionVector: DELETION_VECTOR,
    baseRowId: 'BIGINT',
    defaultRowCommitVersion: 'BIGINT',
  },
  metaData: {
    id: 'VARCHAR',
    name: 'VARCHAR',
    description: 'VARCHAR',
    format: { provider: 'VARCHAR', options: STRING_MAP },
    schemaString: 'VARCHAR',
    partitionColumns: 'VARCHAR[]',
    configuration: STRING_MAP,
    createdTime: 'BIGINT',
  },
  protocol: { minReaderVersion: 'INTEGER', minWriterVersion: 'INTEGER', readerFeatures: 'VARCHAR[]', writerFeatures: 'VARCHAR[]' },
  domainMetadata: { domain: 'VARCHAR', configuration: 'VARCHAR', removed: 'BOOLEAN' },
};

/** The DuckDB type of a spec. */
export function specType(spec: FieldSpec): string {
  if (typeof spec === 'string') return spec;
  return `STRUCT(${Object.entries(spec)
    .map(([name, inner]) => `${quoteIdent(name)} ${specType(inner)}`)
    .join(', ')})`;
}

/** `read_json`'s `columns` argument for the checkpoint columns. */
export function jsonColumns(): string {
  return `{${Object.entries(CHECKPOINT_SCHEMA)
    .map(([name, spec]) => `${quoteLiteral(name)}: ${quoteLiteral(specType(spec))}`)
    .join(', ')}}`;
}

/**
 * SQL giving `expr` (stored as `stored`, or absent) the spec's exact type: struct fields
 * another writer left out become NULL, fields it added are dropped, leaves are cast.
 */
export function conformSql(expr: string, spec: FieldSpec, stored: DuckDBType | undefined): string {
  if (stored === undefined) return `CAST(NULL AS ${specType(spec)})`;
  if (typeof spec === 'string') return `CAST(${expr} AS ${spec})`;
  if (stored.typeId !== DuckDBTypeId.STRUCT) return `CAST(NULL AS ${specType(spec)})`;
  const struct = stored as DuckDBStructType;
  const fields = Object.entries(spec).map(([name, inner]) => {
    const index = struct.entryNames.indexOf(name);
    const value = conformSql(`struct_extract(${expr}, ${quoteLiteral(name)})`, inner, index < 0 ? undefined : struct.entryTypes[index]);
    return `${quoteIdent(name)} := ${value}`;
  });
  return `CASE WHEN ${expr} IS NULL THEN NULL ELSE struct_pack(${fields.join(', ')}) END`;
}
