import path from 'node:path';
import type { Engine } from '../../engine/index.js';
import type { ObjectStorePool } from '../../storage/index.js';
import { field, openOrCreateTable, primitive, struct, type DeltaTable, type StructType } from '../../table/index.js';

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
 * Open the quarantine table of a table, creating it on first use. `properties` are given
 * to a quarantine created here (its table's txn retention, say); `stores` are the
 * project's, when the table is opened through them.
 */
export async function openQuarantine(
  tableLocation: string,
  engine: Engine,
  properties: Readonly<Record<string, string>> = {},
  stores?: ObjectStorePool,
): Promise<DeltaTable> {
  return openOrCreateTable(quarantineLocation(tableLocation), engine, QUARANTINE_SCHEMA, {
    stores,
    properties,
    description: `Records quarantined on their way into ${path.basename(path.resolve(tableLocation))}`,
  });
}
