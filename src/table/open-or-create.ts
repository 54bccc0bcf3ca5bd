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

/**
 * A table opened (or created) on first use and kept, for a writer that may start before its
 * table can be reached: an open that failed is forgotten, so the next use tries again (a full
 * disk freed, a bucket back) instead of failing forever.
 */
export class TableOnFirstUse {
  private opened: Promise<DeltaTable> | undefined;

  constructor(private readonly open: () => Promise<DeltaTable>) {}

  get(): Promise<DeltaTable> {
    this.opened ??= this.open().catch((error: unknown) => {
      this.opened = undefined;
      throw error;
    });
    return this.opened;
  }

  /** The open begun so far, if any: for readers that must not create the table. */
  get started(): Promise<DeltaTable> | undefined {
    return this.opened;
  }
}
