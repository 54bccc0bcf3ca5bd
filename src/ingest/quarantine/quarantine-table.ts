import path from 'node:path';
import type { Engine } from '../../engine/index.js';
import type { ObjectStorePool } from '../../storage/index.js';
import { DeltaTable, field, primitive, struct, TableNotFoundError, type StructType } from '../../table/index.js';

/** The quarantine sits beside its table as `<table>__quarantine`, itself a Delta table. */
export const QUARANTINE_SUFFIX = '__quarantine';

export const QUARANTINE_SCHEMA: StructType = struct([
  field('record_id', primitive('string'), false),
  field('quarantined_at', primitive('timestamp'), false),
  field('target_table', primitive('string'), false),
  field('reason', primitive('string'), false),
  field('message', primitive('string')),
  field('source_kind', primitive('string'), false),
  field('source', primitive('string'), false),
  field('payload', primitive('string')),
]);

export function quarantineLocation(tableLocation: string): string {
  // A URI (s3://bucket/t): the sibling by name, since path functions would mangle the scheme.
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(tableLocation)) return `${tableLocation.replace(/\/+$/, '')}${QUARANTINE_SUFFIX}`;
  const resolved = path.resolve(tableLocation);
  return path.join(path.dirname(resolved), `${path.basename(resolved)}${QUARANTINE_SUFFIX}`);
}

/**
 * Open the quarantine table of a table, creating it on first use. Concurrent first
 * uses race on version 0; the loser opens what the winner created. `properties` are
 * given to a quarantine created here (its table's txn retention, say); `stores` are the
 * project's, when the table is opened through them.
 */
export async function openQuarantine(
  tableLocation: string,
  engine: Engine,
  properties: Readonly<Record<string, string>> = {},
  stores?: ObjectStorePool,
): Promise<DeltaTable> {
  const location = quarantineLocation(tableLocation);
  const table = await DeltaTable.open(location, { engine, stores });
  try {
    await table.snapshot();
    return table;
  } catch (error) {
    if (!(error instanceof TableNotFoundError)) throw error;
  }
  try {
    await DeltaTable.create(location, {
      engine,
      stores,
      schema: QUARANTINE_SCHEMA,
      properties,
      description: `Records quarantined on their way into ${path.basename(path.resolve(tableLocation))}`,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'TABLE_ALREADY_EXISTS') throw error;
  }
  return table;
}
