import type { Engine } from '../../src/engine/index.js';
import type { DeltaTable } from '../../src/table/index.js';

/**
 * The writes of the crash harness. What a commit does is a function of the version it
 * lands at, so a model of the table can be rebuilt from the log's operation names alone:
 * a writer killed anywhere restarts, reads the table's version, and carries on with the
 * next version's operation.
 */
export type Operation = 'append' | 'delete' | 'update' | 'merge' | 'optimize';

const CYCLE: readonly Operation[] = ['append', 'append', 'merge', 'delete', 'append', 'update', 'optimize', 'append', 'delete', 'merge'];

export function operationFor(version: number): Operation {
  return CYCLE[version % CYCLE.length] as Operation;
}

const appendRows = (v: number) => `SELECT (${v} * 100 + i)::BIGINT AS id, ((${v} * 100 + i) % 3)::INTEGER AS p, ${v}::BIGINT AS val FROM range(0, 40) t(i)`;
const deleteWhere = (v: number) => `id % 5 = ${v % 5} AND id < ${v * 100}`;
const updateWhere = (v: number) => `id % 4 = ${v % 4}`;
const mergeSource = (v: number) =>
  `SELECT (${(v - 3) * 100} + i * 3)::BIGINT AS id, ((${(v - 3) * 100} + i * 3) % 3)::INTEGER AS p, (-${v})::BIGINT AS val FROM range(0, 60) t(i)`;
/** A row appended when an operation found nothing to change, so every step is one commit. */
const markerRow = (v: number) => `SELECT (-${v})::BIGINT AS id, 0 AS p, ${v}::BIGINT AS val`;

/** Do version `v`'s operation on the table (which must be at v - 1). */
export async function applyToTable(table: DeltaTable, v: number): Promise<void> {
  const committed = async (result: { committed: boolean }) => {
    if (!result.committed) await table.append({ sql: markerRow(v) });
  };
  switch (operationFor(v)) {
    case 'append':
      await table.append({ sql: appendRows(v) });
      return;
    case 'delete':
      return committed(await table.delete(deleteWhere(v)));
    case 'update':
      return committed(await table.update({ set: { val: `val + ${v}` }, where: updateWhere(v) }));
    case 'merge':
      return committed(
        await table.merge({
          source: { sql: mergeSource(v) },
          on: 'target.id = source.id',
          whenMatched: [{ condition: 'target.id % 7 = 0', delete: true }, { update: { val: 'source.val' } }],
          whenNotMatched: [{ insert: '*' }],
        }),
      );
    case 'optimize':
      return committed(await table.optimize());
  }
}

/** The table's first version. */
export const INITIAL_ROWS = appendRows(0);

/** Apply version `v`'s change, as the log names it (`operation`), to the model table. */
export async function applyToModel(engine: Engine, model: string, v: number, operation: string): Promise<void> {
  if (operation === 'WRITE') {
    await engine.run(`INSERT INTO ${model} BY NAME ${operationFor(v) === 'append' ? appendRows(v) : markerRow(v)}`);
    return;
  }
  switch (operation) {
    case 'DELETE':
      await engine.run(`DELETE FROM ${model} WHERE ${deleteWhere(v)}`);
      return;
    case 'UPDATE':
      await engine.run(`UPDATE ${model} SET val = val + ${v} WHERE ${updateWhere(v)}`);
      return;
    case 'MERGE': {
      const matched = `${model}_matched`;
      await engine.run(`CREATE OR REPLACE TEMP TABLE ${matched} AS SELECT id FROM ${model} WHERE id IN (SELECT id FROM (${mergeSource(v)}))`);
      await engine.run(`DELETE FROM ${model} WHERE id IN (SELECT id FROM ${matched}) AND id % 7 = 0`);
      await engine.run(`UPDATE ${model} SET val = s.val FROM (${mergeSource(v)}) AS s WHERE ${model}.id = s.id`);
      await engine.run(`INSERT INTO ${model} BY NAME SELECT * FROM (${mergeSource(v)}) WHERE id NOT IN (SELECT id FROM ${matched})`);
      await engine.run(`DROP TABLE ${matched}`);
      return;
    }
    case 'OPTIMIZE':
      return;
    default:
      throw new Error(`version ${v} has operation ${operation}, which the harness never runs`);
  }
}
