import { randomUUID } from 'node:crypto';
import type { Protocol } from '../actions/index.js';
import { COLUMN_ID_KEY, MAX_COLUMN_ID_KEY, PHYSICAL_NAME_KEY, type DataType, type StructField, type StructType } from '../schema/index.js';

/**
 * The lowest protocol that supports what a new table uses, so that every reader that
 * can read it does: (1, 2) by default; table features (3, 7) when the schema or the
 * properties need timestamp_ntz, column mapping, deletion vectors or the change data feed.
 */
export function protocolForNewTable(schema: StructType, properties: Readonly<Record<string, string>>): Protocol {
  const reader = new Set<string>();
  const writer = new Set<string>();
  if (usesType(schema, 'timestamp_ntz')) {
    reader.add('timestampNtz');
    writer.add('timestampNtz');
  }
  const mapping = properties['delta.columnMapping.mode'];
  if (mapping === 'name' || mapping === 'id') {
    reader.add('columnMapping');
    writer.add('columnMapping');
  }
  if (properties['delta.enableDeletionVectors'] === 'true') {
    reader.add('deletionVectors');
    writer.add('deletionVectors');
  }
  if (properties['delta.enableTypeWidening'] === 'true') {
    reader.add('typeWidening');
    writer.add('typeWidening');
  }
  if (properties['delta.enableChangeDataFeed'] === 'true') writer.add('changeDataFeed');
  if (properties['delta.enableInCommitTimestamps'] === 'true') writer.add('inCommitTimestamp');
  if (properties['delta.appendOnly'] === 'true') writer.add('appendOnly');
  if (reader.size === 0 && writer.size === 0) return { minReaderVersion: 1, minWriterVersion: 2 };
  if (reader.size === 0) {
    return { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['appendOnly', 'invariants', ...[...writer].filter((f) => f !== 'appendOnly')] };
  }
  return {
    minReaderVersion: 3,
    minWriterVersion: 7,
    readerFeatures: [...reader],
    writerFeatures: ['appendOnly', 'invariants', ...[...writer].filter((f) => f !== 'appendOnly')],
  };
}

/** Whether a type is, or holds, the named primitive type. */
export function usesType(type: DataType, name: string): boolean {
  switch (type.kind) {
    case 'primitive':
      return type.name === name;
    case 'decimal':
      return false;
    case 'array':
      return usesType(type.elementType, name);
    case 'map':
      return usesType(type.keyType, name) || usesType(type.valueType, name);
    case 'struct':
      return type.fields.some((f) => usesType(f.type, name));
  }
}

/**
 * Give every field (nested ones too) a column id and a physical name, as column
 * mapping requires of new tables; returns the schema and the highest id used.
 */
export function assignColumnMapping(schema: StructType, startId = 0): { schema: StructType; maxColumnId: number } {
  let next = startId;
  const mapType = (type: DataType): DataType => {
    switch (type.kind) {
      case 'struct':
        return { kind: 'struct', fields: type.fields.map(mapField) };
      case 'array':
        return { ...type, elementType: mapType(type.elementType) };
      case 'map':
        return { ...type, keyType: mapType(type.keyType), valueType: mapType(type.valueType) };
      default:
        return type;
    }
  };
  const mapField = (field: StructField): StructField => {
    const metadata = { ...field.metadata };
    if (typeof metadata[COLUMN_ID_KEY] !== 'number') metadata[COLUMN_ID_KEY] = ++next;
    if (typeof metadata[PHYSICAL_NAME_KEY] !== 'string') metadata[PHYSICAL_NAME_KEY] = `col-${randomUUID()}`;
    return { ...field, type: mapType(field.type), metadata };
  };
  const mapped = { kind: 'struct' as const, fields: schema.fields.map(mapField) };
  return { schema: mapped, maxColumnId: next };
}

export { MAX_COLUMN_ID_KEY };
