import type { DeltaTable, ReadOptions, StructField } from '../table/index.js';
import { tagsOf } from './tags.js';

/** A column's tags with those of the fields inside it: a struct holding a tagged field is masked whole. */
export function fieldTags(field: StructField): string[] {
  const own = tagsOf(field.metadata);
  const type = field.type;
  if (type.kind !== 'struct') return own;
  return [...new Set([...own, ...type.fields.flatMap(fieldTags)])];
}

/**
 * The tags a column of a read is masked by: its own in the version read joined with those
 * the table's latest version gives the column of that name (any case). Tags arrive in a
 * metadata commit after the data, so an older version's schema often has none: masking by
 * it alone would give `--version 0` in the clear. A read of the latest version needs nothing more.
 */
export async function readTags(table: DeltaTable, options: Pick<ReadOptions, 'version' | 'timestamp'> = {}): Promise<(field: StructField) => string[]> {
  if (options.version === undefined && options.timestamp === undefined) return fieldTags;
  const latest = new Map((await table.snapshot()).schema.fields.map((f) => [f.name.toLowerCase(), fieldTags(f)]));
  return (field) => [...new Set([...fieldTags(field), ...(latest.get(field.name.toLowerCase()) ?? [])])];
}
