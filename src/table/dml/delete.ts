import { parsePredicate, Scan } from '../scan/index.js';
import { snapshotWriteSpec, writeDataFiles, type DataWriteSpec } from '../write/index.js';
import { commitDml, markDeleted, noChange, type DmlContext, type DmlResult } from './dml-context.js';
import { deleteLineage } from './dml-lineage.js';
import { matchedRows } from './matched-rows.js';

/**
 * Delete the rows matching a SQL predicate (all rows without one) in one commit. With
 * deletion vectors enabled the touched files stay and their deleted rows are recorded
 * beside them; otherwise each touched file is rewritten without those rows (copy on
 * write). Files whose every row goes are simply removed. Nothing matching: no commit.
 */
export async function deleteRows(context: DmlContext, where: string | undefined, recordedPredicate?: string): Promise<DmlResult> {
  const { snapshot, engine } = context;
  const matched = await matchedRows(engine, snapshot, where, { rows: context.deletionVectors });
  if (matched.rows === 0) return noChange(snapshot);
  const condition = where === undefined ? 'TRUE' : `COALESCE((${(await parsePredicate(engine, where)).sql}), FALSE)`;
  // Without a predicate every row goes, whatever the statistics say.
  const touched = where === undefined ? matched.touched.map((t) => ({ ...t, whole: true })) : matched.touched;
  const partial = touched.filter((t) => !t.whole);
  let removes = touched.map((t) => t.file);
  let adds: typeof removes = [];
  let written: typeof removes = [];
  let dvFiles: string[] = [];
  let copied = 0;
  if (context.deletionVectors) {
    const marked = await markDeleted(context, touched);
    removes = marked.removes;
    adds = marked.adds;
    dvFiles = marked.files;
  } else if (partial.length > 0) {
    const rest = await new Scan(snapshot, engine, { files: partial.map((t) => t.file) }).sql();
    const result = await writeDataFiles(engine, context.store, writeSpec(context), `SELECT * FROM (${rest}) AS aquifer_table WHERE NOT ${condition}`);
    adds = result.adds;
    written = result.adds;
    copied = result.rows;
  }
  const lineage = recordedPredicate === undefined ? await deleteLineage(context, where) : undefined;
  const version = await commitDml(
    context,
    {
      ...(lineage === undefined ? {} : { lineage }),
      removes,
      adds,
      written,
      deletionVectorFiles: dvFiles,
      operation: 'DELETE',
      // An erasure records a description instead: the predicate names the values it erases.
      operationParameters: { predicate: JSON.stringify(recordedPredicate !== undefined ? [recordedPredicate] : where === undefined ? [] : [where]) },
      operationMetrics: {
        numDeletedRows: String(matched.rows),
        numRemovedFiles: String(removes.length - (context.deletionVectors ? adds.length : 0)),
        numAddedFiles: String(written.length),
        numDeletionVectorsAdded: String(context.deletionVectors ? adds.length : 0),
        numCopiedRows: String(copied),
      },
      readFiles: matched.candidates,
    },
    async () =>
      `SELECT *, 'delete' AS _change_type FROM (${await new Scan(snapshot, engine, { files: touched.map((t) => t.file) }).sql()}) AS aquifer_table WHERE ${condition}`,
  );
  return {
    version,
    committed: true,
    rowsDeleted: matched.rows,
    rowsUpdated: 0,
    rowsInserted: 0,
    filesAdded: written.length,
    filesRemoved: removes.length - (context.deletionVectors ? adds.length : 0),
    deletionVectorsAdded: context.deletionVectors ? adds.length : 0,
    rowsCopied: copied,
  };
}

export function writeSpec(context: DmlContext): DataWriteSpec {
  return snapshotWriteSpec(context.snapshot, context.onProgress === undefined ? {} : { onProgress: context.onProgress });
}
