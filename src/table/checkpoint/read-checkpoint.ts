import type { Engine } from '../../engine/index.js';
import { quoteLiteralList } from '../../engine/index.js';
import { EngineQueryError } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import { parseAction, parseActionLines, type Action } from '../actions/index.js';
import { InvalidLogError } from '../errors.js';
import { LOG_DIR, type CheckpointFile } from '../log-segment/index.js';
import { resolveLogPath } from '../paths/index.js';

/**
 * All actions of a checkpoint: classic, multi-part, or v2 (JSON or Parquet, with the
 * add/remove actions of its sidecar files). Parquet is decoded by DuckDB; each row is
 * turned into its JSON form so checkpoints and commits share one set of action parsers.
 */
export async function readCheckpointActions(engine: Engine, store: ObjectStore, files: CheckpointFile[]): Promise<Action[]> {
  const actions: Action[] = [];
  const parquet = files.filter((f) => !(f.format === 'v2' && f.fileFormat === 'json'));
  const json = files.filter((f) => f.format === 'v2' && f.fileFormat === 'json');
  for (const file of json) {
    const text = new TextDecoder().decode(await store.get(file.meta.path));
    actions.push(...parseActionLines(text, file.meta.path));
  }
  if (parquet.length > 0) {
    actions.push(...(await readParquetActions(engine, store, parquet.map((f) => f.meta.path))));
  }
  const sidecars = actions.filter((a): a is Extract<Action, { kind: 'sidecar' }> => a.kind === 'sidecar');
  if (sidecars.length > 0) {
    const keys = sidecars.map((s) => {
      const path = s.sidecar.path;
      return path.includes('/') ? resolveLogPath(store, path, `${LOG_DIR}/_sidecars`).key : `${LOG_DIR}/_sidecars/${path}`;
    });
    actions.push(...(await readParquetActions(engine, store, keys)));
  }
  return actions;
}

async function readParquetActions(engine: Engine, store: ObjectStore, keys: string[]): Promise<Action[]> {
  const locals = await Promise.all(keys.map((key) => store.localPath(key)));
  for (const [index, key] of keys.entries()) {
    if ((await store.head(key)) === undefined) {
      throw new InvalidLogError(`The checkpoint file ${key} is missing`, locals[index] ?? key, 'A checkpoint named by the log is gone; restore it or remove _last_checkpoint so readers replay the commits.');
    }
  }
  let rows: { j: unknown }[];
  try {
    rows = (await engine.query(`SELECT to_json(t)::VARCHAR AS j FROM read_parquet(${quoteLiteralList(locals)}, union_by_name = true) t`)) as { j: unknown }[];
  } catch (error) {
    if (error instanceof EngineQueryError) {
      throw new InvalidLogError(`Checkpoint ${keys.join(', ')} cannot be read as Parquet: ${error.message}`, keys.join(', '), 'The checkpoint is truncated or corrupt; delete it (and _last_checkpoint) so readers replay the JSON commits, if they are still present.', error);
    }
    throw error;
  }
  const actions: Action[] = [];
  for (const row of rows) {
    const object = JSON.parse(String(row.j)) as Record<string, unknown>;
    const action = parseAction(object, keys.join(', '));
    if (action !== undefined) actions.push(action);
  }
  return actions;
}
