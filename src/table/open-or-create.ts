import type { Engine } from '../engine/index.js';
import type { ObjectStorePool } from '../storage/index.js';
import { DeltaTable } from './delta-table.js';
import { TableNotFoundError } from './errors.js';
import type { StructType } from './schema/index.js';

export interface OpenOrCreateOptions {
  /** Open the location through these stores (a project's) instead of a store of its own. */
  stores?: ObjectStorePool | undefined;
  /** Given to a table created here only; an existing table keeps its own. */
  properties?: Readonly<Record<string, string>>;
  description?: string;
}

/**
 * Open the Delta table at a location, creating it empty with `schema` on first use: for the
 * tables Aquifer keeps for itself (quarantines, quality results). Concurrent first uses race
 * on version 0; the loser opens what the winner created.
 */
export async function openOrCreateTable(location: string, engine: Engine, schema: StructType, options: OpenOrCreateOptions = {}): Promise<DeltaTable> {
  const table = await DeltaTable.open(location, { engine, stores: options.stores });
  try {
    await table.snapshot();
    return table;
  } catch (error) {
    if (!(error instanceof TableNotFoundError)) throw error;
  }
  try {
    await DeltaTable.create(location, {
      engine,
      stores: options.stores,
      schema,
      ...(options.properties === undefined ? {} : { properties: options.properties }),
      ...(options.description === undefined ? {} : { description: options.description }),
    });
  } catch (error) {
    if ((error as { code?: string }).code !== 'TABLE_ALREADY_EXISTS') throw error;
  }
  return table;
}
