import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { AddCdcFile } from '../actions/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { snapshotWriteSpec, writeDataFiles } from '../write/index.js';
import { CHANGE_TYPE_COLUMN, changeDataSchema } from './change-schema.js';

export const CHANGE_DATA_DIR = '_change_data';

/**
 * Write the rows a change made (the table's columns and `_change_type`: delete, insert,
 * update_preimage, update_postimage) as change data files under `_change_data/`,
 * partitioned like the table, and describe them as cdc actions. A commit with cdc
 * actions is read from them alone, so they must hold every change the commit made.
 */
export async function writeChangeData(engine: Engine, store: ObjectStore, snapshot: Snapshot, sql: string): Promise<AddCdcFile[]> {
  const spec = snapshotWriteSpec(snapshot, { schema: changeDataSchema(snapshot.schema), keyPrefix: CHANGE_DATA_DIR });
  const written = await writeDataFiles(engine, store, spec, sql);
  return written.adds.map((add) => ({ path: add.path, partitionValues: add.partitionValues, size: add.size, dataChange: false }));
}

export { CHANGE_TYPE_COLUMN };
