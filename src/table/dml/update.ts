import { EngineQueryError, quoteIdent } from '../../engine/index.js';
import { WriteInvalidError } from '../errors.js';
import { parsePredicate, Scan } from '../scan/index.js';
import type { StructField } from '../schema/index.js';
import { conformingProjection, sourceFields, writeDataFiles } from '../write/index.js';
import { commitDml, markDeleted, noChange, type DmlContext, type DmlResult } from './dml-context.js';
import { writeSpec } from './delete.js';
import { updateLineage } from './dml-lineage.js';
import { matchedRows } from './matched-rows.js';

/** Column → SQL expression over the row's current values (as in `UPDATE ... SET`). */
export type Assignments = Readonly<Record<string, string>>;

/**
 * Set columns of the rows matching a predicate (all rows without one) in one commit.
 * The new values are cast to the columns' types with the same checks as any write.
 * With deletion vectors the old rows are marked deleted and only the updated rows are
 * written; otherwise each touched file is rewritten whole with the new values.
 */
export async function updateRows(context: DmlContext, set: Assignments, where: string | undefined): Promise<DmlResult> {
  const { snapshot, engine } = context;
  const fields = snapshot.schema.fields;
  const assigned = assignedFields(fields, set, context.location);
  const matched = await matchedRows(engine, snapshot, where, { rows: context.deletionVectors });
  if (matched.rows === 0) return noChange(snapshot);
  const condition = where === undefined ? 'TRUE' : `COALESCE((${(await parsePredicate(engine, where)).sql}), FALSE)`;
  const touchedFiles = matched.touched.map((t) => t.file);
  const current = await new Scan(snapshot, engine, { files: touchedFiles }).sql();
  const values = (updatedOnly: boolean) =>
    fields
      .map((f) => {
        const expr = assigned.get(f.name);
        if (expr === undefined) return quoteIdent(f.name);
        return `${updatedOnly ? `(${expr})` : `CASE WHEN ${condition} THEN (${expr}) ELSE ${quoteIdent(f.name)} END`} AS ${quoteIdent(f.name)}`;
      })
      .join(', ');
  const rowsSql = context.deletionVectors
    ? `SELECT ${values(true)} FROM (${current}) AS aquifer_table WHERE ${condition}`
    : `SELECT ${values(false)} FROM (${current}) AS aquifer_table`;
  const conform = async (sql: string) => {
    let reader;
    try {
      reader = await engine.read(`SELECT * FROM (${sql}) LIMIT 0`);
    } catch (error) {
      if (!(error instanceof EngineQueryError)) throw error;
      throw new WriteInvalidError(
        'UPDATE_INVALID',
        `The update's expressions do not run: ${error.message}`,
        set,
        "Write each value as a DuckDB SQL expression over the table's columns, e.g. { price: 'price * 1.1' }.",
      );
    }
    return `SELECT ${conformingProjection(snapshot.schema, sourceFields(reader.columnNames(), reader.columnTypes()), context.location)} FROM (${sql})`;
  };
  const conformed = await conform(rowsSql);
  const result = await writeDataFiles(engine, context.store, writeSpec(context), conformed);
  let removes = touchedFiles;
  let adds = result.adds;
  let dvFiles: string[] = [];
  let vectors = 0;
  if (context.deletionVectors) {
    const marked = await markDeleted(context, matched.touched);
    removes = marked.removes;
    adds = [...marked.adds, ...result.adds];
    dvFiles = marked.files;
    vectors = marked.adds.length;
  }
  const copied = context.deletionVectors ? 0 : result.rows - matched.rows;
  const lineage = await updateLineage(
    context,
    [...assigned].map(([column, expression]) => ({ column, expression })),
    where,
  );
  const version = await commitDml(
    context,
    {
      ...(lineage === undefined ? {} : { lineage }),
      removes,
      adds,
      written: result.adds,
      deletionVectorFiles: dvFiles,
      operation: 'UPDATE',
      operationParameters: { predicate: JSON.stringify(where === undefined ? [] : [where]) },
      operationMetrics: {
        numUpdatedRows: String(matched.rows),
        numCopiedRows: String(copied),
        numAddedFiles: String(result.adds.length),
        numRemovedFiles: String(removes.length - vectors),
        numDeletionVectorsAdded: String(vectors),
      },
      readFiles: matched.candidates,
    },
    async () => {
      const after = await conform(`SELECT ${values(true)} FROM (${current}) AS aquifer_table WHERE ${condition}`);
      return `SELECT *, 'update_preimage' AS _change_type FROM (${current}) AS aquifer_table WHERE ${condition} UNION ALL SELECT *, 'update_postimage' AS _change_type FROM (${after})`;
    },
  );
  return {
    version,
    committed: true,
    rowsDeleted: 0,
    rowsUpdated: matched.rows,
    rowsInserted: 0,
    filesAdded: result.adds.length,
    filesRemoved: removes.length - vectors,
    deletionVectorsAdded: vectors,
    rowsCopied: copied,
  };
}

/** The assigned columns by their schema names; an unknown column is a typed error naming it. */
function assignedFields(fields: readonly StructField[], set: Assignments, location: string): Map<string, string> {
  const entries = Object.entries(set);
  if (entries.length === 0)
    throw new WriteInvalidError('UPDATE_INVALID', 'An update must set at least one column', set, 'Pass set: { column: "SQL expression" }.');
  const out = new Map<string, string>();
  for (const [name, expr] of entries) {
    const field = fields.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (field === undefined)
      throw new WriteInvalidError(
        'TABLE_COLUMN_NOT_FOUND',
        `${location} has no column '${name}' to set`,
        name,
        `Choose among: ${fields.map((f) => f.name).join(', ')}.`,
      );
    if (out.has(field.name)) throw new WriteInvalidError('UPDATE_INVALID', `Column '${field.name}' is set twice`, set, 'Set each column once.');
    out.set(field.name, expr);
  }
  return out;
}
