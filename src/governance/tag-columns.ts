import type { DeltaTable, StructField } from '../table/index.js';
import { TagInvalidError } from './errors.js';
import { checkTag, tagsOf, withTags } from './tags.js';

export interface TagColumnsOptions {
  /** Remove the tags instead of adding them. */
  remove?: boolean;
}

export interface TagColumnsResult {
  /** The version committed. */
  version: number;
  /** Each column named, with all its tags after the commit. */
  columns: Record<string, string[]>;
}

/**
 * Add (or remove) tags on columns, in one metadata-only Delta commit (CHANGE COLUMNS): the
 * tags go into each column's field metadata under `aquifer.tags`, so they travel with the
 * table to any engine and into its history. Columns are named as in the table (case-
 * insensitively); `a.b` names field b of struct a unless a column is literally called `a.b`.
 */
export async function tagColumns(
  table: DeltaTable,
  tags: Readonly<Record<string, readonly string[]>>,
  options: TagColumnsOptions = {},
): Promise<TagColumnsResult> {
  const entries = Object.entries(tags);
  if (entries.length === 0) throw new TagInvalidError('GOVERNANCE_TAG_INVALID', 'No column to tag was named', tags, 'Name a column and its tags.');
  const checked = entries.map(([column, list]) => {
    if (list.length === 0) throw new TagInvalidError('GOVERNANCE_TAG_INVALID', `No tag was given for ${column}`, column, 'Give at least one tag.');
    return [column, list.map(checkTag)] as const;
  });
  const fields = (await table.snapshot()).schema.fields;
  const after: Record<string, string[]> = {};
  const result = await table.updateColumnMetadata(
    checked.map(([column, list]) => ({
      column: columnPath(fields, column),
      update: (metadata) => {
        const current = tagsOf(metadata);
        const next = options.remove === true ? current.filter((t) => !list.includes(t)) : [...current, ...list];
        const updated = withTags(metadata, next, column);
        after[column] = tagsOf(updated);
        return updated;
      },
    })),
  );
  return { version: result.version, columns: after };
}

function columnPath(fields: readonly StructField[], column: string): string[] {
  return fields.some((f) => f.name.toLowerCase() === column.toLowerCase()) ? [column] : column.split('.');
}
