import type { DeltaTable } from '../table/index.js';
import { taggedFields } from './declared-tags.js';

export interface TableTags {
  /** The version whose schema was read. */
  version: number;
  /** Each tagged column (nested fields by their path, `address.city`) with its tags, in schema order. */
  columns: { column: string; tags: string[] }[];
}

/** The tags a table's schema gives its columns, at its latest version or the one asked for (time travel shows the tags a version had). */
export async function tableTags(table: DeltaTable, version?: number): Promise<TableTags> {
  const snapshot = await table.snapshot(version === undefined ? {} : { version });
  return { version: snapshot.version, columns: taggedFields(snapshot.schema.fields) };
}
