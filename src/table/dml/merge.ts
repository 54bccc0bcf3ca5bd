import { randomUUID } from 'node:crypto';
import { EngineQueryError, quoteIdent } from '../../engine/index.js';
import { AquiferError, type ErrorCode } from '../../errors.js';
import type { AddFile } from '../actions/index.js';
import { ROW_FILE_COLUMN, ROW_INDEX_COLUMN, Scan } from '../scan/index.js';
import type { StructField } from '../schema/index.js';
import { conformingProjection, prepareSource, sourceFields, writeDataFiles, type WriteSource } from '../write/index.js';
import { writeSpec } from './delete.js';
import { commitDml, markDeleted, noChange, type DmlContext, type DmlResult } from './dml-context.js';
import { mergeLineage, type WrittenValue } from './dml-lineage.js';
import { touchedFiles } from './matched-rows.js';
import type { Assignments } from './update.js';

/** Set columns from SQL expressions over `target` and `source`, or `'*'`: every column from the source column of the same name. */
export type MergeAssignments = Assignments | '*';

export type MatchedClause = { condition?: string; update: MergeAssignments } | { condition?: string; delete: true };
export type NotMatchedClause = { condition?: string; insert: MergeAssignments };
export type NotMatchedBySourceClause = { condition?: string; update: Assignments } | { condition?: string; delete: true };

export interface MergeOptions {
  /** The rows to merge in. */
  source: WriteSource;
  /** The join condition, over the aliases `target` and `source`, e.g. `target.id = source.id`. */
  on: string;
  /** For target rows a source row matches: the first clause whose condition holds applies. */
  whenMatched?: readonly MatchedClause[];
  /** For source rows no target row matches. */
  whenNotMatched?: readonly NotMatchedClause[];
  /** For target rows no source row matches. */
  whenNotMatchedBySource?: readonly NotMatchedBySourceClause[];
}

export class MergeError extends AquiferError {
  constructor(code: ErrorCode, message: string, value: unknown, hint: string) {
    super(code, message, { value, hint });
  }
}

const ACTION = '_aq_action';
const SOURCE_PRESENT = '_aq_source';

/**
 * MERGE INTO as Delta defines it, in one commit: one DuckDB join of the table's rows
 * (named by file and row index) with the source decides each row's fate; target rows
 * that are updated or deleted are removed through deletion vectors or by rewriting
 * their files, and updated and inserted rows are written as new files. A target row
 * matched by two source rows, where a matched clause applies, is an error (Delta's
 * MERGE cardinality rule): which update would win is undefined.
 */
export async function mergeRows(context: DmlContext, options: MergeOptions): Promise<DmlResult> {
  const { snapshot, engine, location } = context;
  const fields = snapshot.schema.fields;
  const matched = options.whenMatched ?? [];
  const notMatched = options.whenNotMatched ?? [];
  const notMatchedBySource = options.whenNotMatchedBySource ?? [];
  if (matched.length + notMatched.length + notMatchedBySource.length === 0) {
    throw new MergeError(
      'MERGE_INVALID',
      'A merge needs at least one whenMatched, whenNotMatched or whenNotMatchedBySource clause',
      options.on,
      'Say what to do with matched or unmatched rows.',
    );
  }
  const prepared = await prepareSource(options.source);
  const temp = `aq_merge_${randomUUID().replaceAll('-', '')}`;
  try {
    const sourceReader = await engine.read(`SELECT * FROM (${prepared.sql}) LIMIT 0`);
    const sourceColumns = sourceReader.columnNames();
    const targetSql = await new Scan(snapshot, engine, { rowIds: true }).sql();
    const join = notMatchedBySource.length > 0 ? 'FULL OUTER JOIN' : 'RIGHT OUTER JOIN';
    const isMatched = `(target.${ROW_FILE_COLUMN} IS NOT NULL AND source.${SOURCE_PRESENT})`;
    const isNotMatched = `(target.${ROW_FILE_COLUMN} IS NULL)`;
    const isNotMatchedBySource = `(source.${SOURCE_PRESENT} IS NULL)`;
    const when = (scope: string, condition: string | undefined) => `${scope}${condition === undefined ? '' : ` AND COALESCE((${condition}), FALSE)`}`;
    const branches: string[] = [];
    matched.forEach((c, i) => branches.push(`WHEN ${when(isMatched, c.condition)} THEN '${'delete' in c ? 'd' : 'u'}m${i}'`));
    notMatched.forEach((c, i) => branches.push(`WHEN ${when(isNotMatched, c.condition)} THEN 'in${i}'`));
    notMatchedBySource.forEach((c, i) => branches.push(`WHEN ${when(isNotMatchedBySource, c.condition)} THEN '${'delete' in c ? 'd' : 'u'}s${i}'`));
    const action = `CASE ${branches.join(' ')} ELSE NULL END`;
    const written: WrittenValue[] = [];
    // Each output column: its value under the clause that applies (NULL where no row is written).
    const outputs = fields.map((field) => {
      const cases: string[] = [];
      const add = (tag: string, assignments: MergeAssignments, inserting: boolean) => {
        const expr = assignedValue(field, assignments, sourceColumns, inserting, location);
        if (expr !== undefined) cases.push(`WHEN '${tag}' THEN ${expr}`);
        if (expr !== undefined) written.push({ column: field.name, expression: expr });
      };
      matched.forEach((c, i) => 'update' in c && add(`um${i}`, c.update, false));
      notMatched.forEach((c, i) => add(`in${i}`, c.insert, true));
      notMatchedBySource.forEach((c, i) => 'update' in c && add(`us${i}`, c.update, false));
      return cases.length === 0
        ? `target.${quoteIdent(field.name)} AS ${quoteIdent(field.name)}`
        : `CASE ${action} ${cases.join(' ')} ELSE target.${quoteIdent(field.name)} END AS ${quoteIdent(field.name)}`;
    });
    const decide = `SELECT target.${ROW_FILE_COLUMN} AS ${ROW_FILE_COLUMN}, target.${ROW_INDEX_COLUMN} AS ${ROW_INDEX_COLUMN}, ${action} AS ${ACTION}, ${outputs.join(', ')}
      FROM (${targetSql}) AS target ${join} (SELECT *, TRUE AS ${SOURCE_PRESENT} FROM (${prepared.sql})) AS source ON (${options.on})`;
    try {
      await engine.run(`CREATE TEMP TABLE ${temp} AS ${decide}`);
    } catch (error) {
      if (!(error instanceof EngineQueryError)) throw error;
      throw new MergeError(
        'MERGE_INVALID',
        `The merge does not run: ${error.message}`,
        options.on,
        'Write the condition and values as DuckDB SQL over the aliases target and source, e.g. on: "target.id = source.id", update: { v: "source.v" }.',
      );
    }
    if (matched.length > 0) {
      const duplicate = await engine.query(
        `SELECT ${ROW_FILE_COLUMN}, ${ROW_INDEX_COLUMN}, count(*) AS n FROM ${temp} WHERE ${ROW_FILE_COLUMN} IS NOT NULL AND (${ACTION} LIKE '_m%') GROUP BY ALL HAVING count(*) > 1 LIMIT 1`,
      );
      if (duplicate.length > 0) {
        throw new MergeError(
          'MERGE_CARDINALITY_VIOLATION',
          `Several source rows matched the same row of ${location} (${String(duplicate[0]?.['n'])} of them), so which change applies is undefined`,
          options.on,
          'Make the source unique on the join keys (deduplicate or aggregate it) before merging.',
        );
      }
    }
    const counts = await engine.query(
      `SELECT count(*) FILTER (WHERE ${ACTION} LIKE 'u%') AS updated, count(*) FILTER (WHERE ${ACTION} LIKE 'd%') AS deleted, count(*) FILTER (WHERE ${ACTION} LIKE 'i%') AS inserted FROM ${temp}`,
    );
    const updated = Number(counts[0]?.['updated'] ?? 0);
    const deleted = Number(counts[0]?.['deleted'] ?? 0);
    const inserted = Number(counts[0]?.['inserted'] ?? 0);
    if (updated + deleted + inserted === 0) return noChange(snapshot);

    const touched = await touchedFiles(
      engine,
      snapshot,
      snapshot.files,
      `SELECT ${ROW_FILE_COLUMN}, ${ROW_INDEX_COLUMN} FROM ${temp} WHERE ${ROW_FILE_COLUMN} IS NOT NULL AND (${ACTION} LIKE 'u%' OR ${ACTION} LIKE 'd%')`,
      { rows: context.deletionVectors },
    );
    const touchedList = touched.map((t) => t.file);
    const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
    const parts = [`SELECT ${columns} FROM ${temp} WHERE ${ACTION} LIKE 'u%' OR ${ACTION} LIKE 'i%'`];
    if (!context.deletionVectors && touchedList.length > 0) {
      // Copy on write: the untouched rows of every touched file are written again.
      const rest = await new Scan(snapshot, engine, { files: touchedList, rowIds: true }).sql();
      parts.push(
        // An uncorrelated anti join: NOT EXISTS would make DuckDB group every target row first.
        `SELECT ${fields.map((f) => `kept.${quoteIdent(f.name)}`).join(', ')} FROM (${rest}) AS kept ANTI JOIN (SELECT ${ROW_FILE_COLUMN}, ${ROW_INDEX_COLUMN} FROM ${temp} WHERE ${ACTION} LIKE 'u%' OR ${ACTION} LIKE 'd%') AS t ON t.${ROW_FILE_COLUMN} = kept.${ROW_FILE_COLUMN} AND t.${ROW_INDEX_COLUMN} = kept.${ROW_INDEX_COLUMN}`,
      );
    }
    const rowsSql = parts.join(' UNION ALL ');
    const reader = await engine.read(`SELECT * FROM (${rowsSql}) LIMIT 0`);
    const conformed = `SELECT ${conformingProjection(snapshot.schema, sourceFields(reader.columnNames(), reader.columnTypes()), location)} FROM (${rowsSql})`;
    const result = await writeDataFiles(engine, context.store, writeSpec(context), conformed);
    let removes: AddFile[] = touchedList;
    let adds = result.adds;
    let dvFiles: string[] = [];
    let vectors = 0;
    if (context.deletionVectors) {
      const marked = await markDeleted(context, touched);
      removes = marked.removes;
      adds = [...marked.adds, ...result.adds];
      dvFiles = marked.files;
      vectors = marked.adds.length;
    }
    const copied = context.deletionVectors ? 0 : result.rows - updated - inserted;
    const sourceRows = Number((await engine.query(`SELECT count(*) AS n FROM (${prepared.sql})`))[0]?.['n'] ?? 0);
    const conditions = [...matched, ...notMatched, ...notMatchedBySource].flatMap((c) => (c.condition === undefined ? [] : [c.condition]));
    const lineage = await mergeLineage(context, options.source, sourceColumns, options.on, written, conditions);
    const version = await commitDml(
      context,
      {
        ...(lineage === undefined ? {} : { lineage }),
        removes,
        adds,
        written: result.adds,
        deletionVectorFiles: dvFiles,
        operation: 'MERGE',
        operationParameters: {
          predicate: JSON.stringify(options.on),
          matchedPredicates: JSON.stringify(
            matched.map((c) => ({ ...(c.condition === undefined ? {} : { predicate: c.condition }), actionType: 'delete' in c ? 'delete' : 'update' })),
          ),
          notMatchedPredicates: JSON.stringify(
            notMatched.map((c) => ({ ...(c.condition === undefined ? {} : { predicate: c.condition }), actionType: 'insert' })),
          ),
          notMatchedBySourcePredicates: JSON.stringify(
            notMatchedBySource.map((c) => ({
              ...(c.condition === undefined ? {} : { predicate: c.condition }),
              actionType: 'delete' in c ? 'delete' : 'update',
            })),
          ),
        },
        operationMetrics: {
          numSourceRows: String(sourceRows),
          numTargetRowsUpdated: String(updated),
          numTargetRowsDeleted: String(deleted),
          numTargetRowsInserted: String(inserted),
          numTargetRowsCopied: String(copied),
          numOutputRows: String(result.rows),
          numTargetFilesAdded: String(result.adds.length),
          numTargetFilesRemoved: String(removes.length - vectors),
          numTargetDeletionVectorsAdded: String(vectors),
        },
        readFiles: snapshot.files,
      },
      async () => {
        const before = await new Scan(snapshot, engine, { files: touchedList, rowIds: true }).sql();
        const columnsOf = (alias: string) => fields.map((f) => `${alias}.${quoteIdent(f.name)}`).join(', ');
        return `SELECT ${columnsOf('old')}, CASE WHEN t.${ACTION} LIKE 'u%' THEN 'update_preimage' ELSE 'delete' END AS _change_type
          FROM (${before}) AS old JOIN ${temp} AS t ON t.${ROW_FILE_COLUMN} = old.${ROW_FILE_COLUMN} AND t.${ROW_INDEX_COLUMN} = old.${ROW_INDEX_COLUMN}
          WHERE t.${ACTION} LIKE 'u%' OR t.${ACTION} LIKE 'd%'
        UNION ALL
        SELECT * FROM (SELECT ${conformingProjection(snapshot.schema, sourceFields(reader.columnNames(), reader.columnTypes()), location)}, CASE WHEN ${ACTION} LIKE 'u%' THEN 'update_postimage' ELSE 'insert' END AS _change_type FROM ${temp} WHERE ${ACTION} LIKE 'u%' OR ${ACTION} LIKE 'i%')`;
      },
    );
    return {
      version,
      committed: true,
      rowsDeleted: deleted,
      rowsUpdated: updated,
      rowsInserted: inserted,
      filesAdded: result.adds.length,
      filesRemoved: removes.length - vectors,
      deletionVectorsAdded: vectors,
      rowsCopied: copied,
    };
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${temp}`);
    await prepared.dispose();
  }
}

/** The value a clause gives a column: its assignment, the source column of the same name for '*', or undefined (unchanged; NULL for an insert). */
function assignedValue(
  field: StructField,
  assignments: MergeAssignments,
  sourceColumns: readonly string[],
  inserting: boolean,
  location: string,
): string | undefined {
  if (assignments === '*') {
    const column = sourceColumns.find((c) => c.toLowerCase() === field.name.toLowerCase());
    if (column === undefined) {
      throw new MergeError(
        'MERGE_INVALID',
        `'*' sets every column of ${location} from the source, which has no column '${field.name}'`,
        field.name,
        `Add '${field.name}' to the source, or list the columns to set.`,
      );
    }
    return `source.${quoteIdent(column)}`;
  }
  const entry = Object.entries(assignments).find(([name]) => name.toLowerCase() === field.name.toLowerCase());
  if (entry !== undefined) return `(${entry[1]})`;
  return inserting ? 'NULL' : undefined;
}
