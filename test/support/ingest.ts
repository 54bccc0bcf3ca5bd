import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Engine, Row } from '../../src/engine/index.js';
import { quarantineLocation } from '../../src/ingest/index.js';
import { DeltaTable } from '../../src/table/index.js';

/** Rows of a table (JSON-safe values: bigints as strings), at its latest or a given version. */
export async function tableRows(engine: Engine, location: string, version?: number): Promise<Row[]> {
  const table = await DeltaTable.open(location, { engine });
  return (await table.scan(version === undefined ? {} : { version })).rows();
}

export async function tableVersion(engine: Engine, location: string): Promise<number> {
  return (await (await DeltaTable.open(location, { engine })).snapshot()).version;
}

/** A quarantined record with its source position parsed. */
export interface QuarantinedRecord {
  recordId: string;
  reason: string;
  message: string | null;
  sourceKind: string;
  source: Record<string, unknown>;
  payload: string | null;
}

/** The quarantine of a table (empty when it was never created), ordered by source then payload. */
export async function quarantineRows(engine: Engine, location: string): Promise<QuarantinedRecord[]> {
  const where = quarantineLocation(location);
  if (!existsSync(path.join(where, '_delta_log'))) return [];
  const rows = await (await (await DeltaTable.open(where, { engine })).scan()).rows();
  return rows
    .map((r) => ({
      recordId: String(r['record_id']),
      reason: String(r['reason']),
      message: r['message'] === null ? null : String(r['message']),
      sourceKind: String(r['source_kind']),
      source: JSON.parse(String(r['source'])) as Record<string, unknown>,
      payload: r['payload'] === null ? null : String(r['payload']),
    }))
    .sort((a, b) => JSON.stringify([a.source, a.payload]).localeCompare(JSON.stringify([b.source, b.payload])));
}

/** Numeric-aware sort by one column, for comparing rows without depending on file order. */
export function byColumn(column: string): (a: Row, b: Row) => number {
  return (a, b) => {
    const x = a[column];
    const y = b[column];
    if (typeof x === 'number' || typeof x === 'bigint' || /^-?\d+$/.test(String(x))) return Number(x) - Number(y);
    return String(x).localeCompare(String(y));
  };
}
