import { createHash } from 'node:crypto';
import { quoteIdent, quoteLiteral } from '../engine/index.js';
import { prepareSource, toDuckDBType, type AppTransaction, type DmlResult, type MergeOptions, type Snapshot, type WriteSource } from '../table/index.js';
import { missingRequiredMessage } from './checks/missing-required.js';
import { IngestError } from './errors.js';
import { quarantinedRows, type BatchResult, type IngestTarget } from './ingest-target.js';
import { NO_POSITION_COLUMNS, QuarantineReason } from './source-position.js';

let sequence = 0;
const temp = (what: string) => `aq_gated_${what}_${process.pid}_${++sequence}`;

/** Quarantine positions of a merge: the source's digest, so running the same merge again quarantines nothing twice. */
export const MERGE_APP_PREFIX = 'aquifer.merge:';

/**
 * Stage a write's source as checked rows (the table's columns, cast to its types, plus the
 * bookkeeping columns commitChecked reads): each row's source is `{"kind": "write",
 * "record": n}`, its payload the row as JSON. A null in a non-nullable column is a
 * MISSING_REQUIRED record, as ingest has it; a column the table lacks is refused.
 */
async function stageSource(target: IngestTarget, snapshot: Snapshot, data: WriteSource, checked: string): Promise<void> {
  const engine = target.engine;
  const prepared = await prepareSource(data, snapshot.schema, engine);
  try {
    const names = (await engine.read(`SELECT * FROM (${prepared.sql}) LIMIT 0`)).columnNames();
    const known = new Set(snapshot.schema.fields.map((f) => f.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0)
      throw new IngestError(
        'TABLE_SCHEMA_MISMATCH',
        `The data has columns the gated table does not: ${unknown.join(', ')}`,
        unknown,
        'A gated write keeps the schema: drop the columns, or add them to the table first (aquifer table alter).',
      );
    const present = new Set(names);
    const columns = snapshot.schema.fields.map((f) =>
      present.has(f.name)
        ? `CAST(${quoteIdent(f.name)} AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`
        : `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`,
    );
    await engine.run(`CREATE TEMP TABLE ${quoteIdent(checked)} AS
      SELECT *, CASE WHEN aq_message IS NOT NULL THEN ${quoteLiteral(QuarantineReason.MISSING_REQUIRED)} END AS aq_reason
      FROM (SELECT *, ${missingRequiredMessage(snapshot.schema.fields)} AS aq_message
      FROM (SELECT row_number() OVER () AS aq_seq, ${columns.join(', ')}, to_json(s)::VARCHAR AS aq_raw,
                   json_object('kind', 'write', 'record', row_number() OVER ())::VARCHAR AS aq_source, ${NO_POSITION_COLUMNS}
            FROM (${prepared.sql}) AS s))`);
  } finally {
    await prepared.dispose();
  }
}

/**
 * Append to a gated table through its gate: rows failing a per-row expectation go to the
 * quarantine and the rest to the table, in the ingest's exactly-once unit (with `txn`, a
 * retried write adds nothing twice to either); failed table-level expectations block the
 * write or warn, by the suite's action.
 */
export async function gatedAppend(target: IngestTarget, data: WriteSource, options: { txn?: AppTransaction } = {}): Promise<BatchResult> {
  const snapshot = await target.table.snapshot();
  const txns = options.txn === undefined ? [] : [options.txn];
  if (txns.length > 0 && target.table.writer().alreadyCommitted(snapshot, { txn: txns }))
    return { version: snapshot.version, accepted: 0, quarantined: 0, skipped: true };
  const checked = temp('append');
  try {
    await stageSource(target, snapshot, data, checked);
    return await target.commitChecked(snapshot, checked, snapshot.schema.fields, txns);
  } finally {
    await target.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(checked)}`);
  }
}

/**
 * Quarantine the staged source's rows that failed the gate ahead of a write that is not an
 * append (a merge, an overwrite), which has no stream position to make it exactly once:
 * the position is a digest of the operation and the source, so the same write run again
 * after a crash between the two commits quarantines nothing twice.
 */
async function quarantineAhead(target: IngestTarget, checked: string, operation: string): Promise<number> {
  const table = quoteIdent(checked);
  const digest = String((await target.engine.query(`SELECT md5(string_agg(md5(aq_raw), '' ORDER BY aq_seq)) AS d FROM ${table}`))[0]?.['d'] ?? '');
  const app = { appId: MERGE_APP_PREFIX + createHash('sha256').update(`${operation}\n${digest}`).digest('hex').slice(0, 32), version: 0 };
  const bad = quarantinedRows(table, 'aq_reason IS NOT NULL');
  const badCount = Number((await target.engine.query(`SELECT count(*) AS n FROM (${bad})`))[0]?.['n'] ?? 0);
  return badCount > 0 ? target.quarantine(bad, [app]) : 0;
}

/** The staged rows that passed the gate, with the table's columns. */
function passing(snapshot: Snapshot, checked: string): string {
  return `SELECT ${snapshot.schema.fields.map((f) => quoteIdent(f.name)).join(', ')} FROM ${quoteIdent(checked)} WHERE aq_reason IS NULL`;
}

async function countPassing(target: IngestTarget, checked: string): Promise<number> {
  return Number((await target.engine.query(`SELECT count(*) AS n FROM ${quoteIdent(checked)} WHERE aq_reason IS NULL`))[0]?.['n'] ?? 0);
}

/**
 * MERGE into a gated table through its gate: the source's rows failing a per-row
 * expectation are quarantined instead of merged; failed table-level expectations (judged
 * on the source) block the merge or warn. The quarantine is written first (quarantineAhead).
 */
export async function gatedMerge(target: IngestTarget, options: MergeOptions): Promise<BatchResult & { merge: DmlResult }> {
  const snapshot = await target.table.snapshot();
  const checked = temp('merge');
  try {
    await stageSource(target, snapshot, options.source, checked);
    const warnings = await target.applyGate(checked, snapshot.schema.fields);
    const quarantined = await quarantineAhead(target, checked, `merge\n${options.on}`);
    const merge = await target.table.merge({ ...options, source: { sql: passing(snapshot, checked) } });
    const accepted = await countPassing(target, checked);
    return { version: merge.version, accepted, quarantined, skipped: false, merge, ...(warnings.length === 0 ? {} : { warnings }) };
  } finally {
    await target.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(checked)}`);
  }
}

/**
 * Overwrite a gated table (or the partitions matching `where`) through its gate: the rows
 * failing a per-row expectation are quarantined (first, as quarantineAhead says) and the
 * table is replaced by the rest; failed table-level expectations, judged on the new rows,
 * block the overwrite (the table keeps its rows) or warn. The schema stays the table's.
 */
export async function gatedOverwrite(target: IngestTarget, data: WriteSource, options: { where?: string } = {}): Promise<BatchResult> {
  const snapshot = await target.table.snapshot();
  const checked = temp('overwrite');
  try {
    await stageSource(target, snapshot, data, checked);
    const warnings = await target.applyGate(checked, snapshot.schema.fields);
    const quarantined = await quarantineAhead(target, checked, `overwrite\n${options.where ?? ''}`);
    const written = await target.table.overwrite({ sql: passing(snapshot, checked) }, options.where === undefined ? {} : { where: options.where });
    const accepted = await countPassing(target, checked);
    return { version: written.version, accepted, quarantined, skipped: false, ...(warnings.length === 0 ? {} : { warnings }) };
  } finally {
    await target.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(checked)}`);
  }
}
