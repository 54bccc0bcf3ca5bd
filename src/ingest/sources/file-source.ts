import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBTypeId } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral, type Engine } from '../../engine/index.js';
import {
  commitOutcomeUnknown,
  csvDialect,
  formatOf,
  toDuckDBType,
  type AppTransaction,
  type FileFormat,
  type Snapshot,
  type StructField,
  type StructType,
} from '../../table/index.js';
import type { BatchResult, IngestTarget } from '../ingest-target.js';
import type { GateWarning } from '../../quality/index.js';
import { NO_POSITION_COLUMNS, QuarantineReason } from '../source-position.js';
import { exactDecimal, jsonRecordChecks } from '../checks/json-record-checks.js';
import { missingRequiredMessage } from '../checks/missing-required.js';
import type { CheckOptions } from '../checks/json-record-checks.js';
import { recordFromBytes } from './utf8-record.js';
import { inferredDeltaType } from '../inferred-type.js';
import { jobRunsObserved, withJobRun, type JobRun } from '../../observe/index.js';
import { sourceFileDataset, tableNameOf } from '../job-runs.js';

/** Loaded files are remembered as txn actions in the table's own log: appId `aquifer.file:<absolute path>`. */
export const FILE_APP_PREFIX = 'aquifer.file:';

export interface FileIngestOptions {
  /** Paths or globs. */
  files: string | readonly string[];
  format?: FileFormat;
  csv?: { delimiter?: string };
  checks?: CheckOptions;
  /** Told after each file, for a progress bar. */
  onFile?: (file: string, index: number, total: number, result: BatchResult) => void;
  onProgress?: (fraction: number) => void;
}

export interface FileIngestResult {
  files: { file: string; accepted: number; quarantined: number; version: number }[];
  /** Files matched by the globs but already loaded earlier. */
  alreadyLoaded: number;
  accepted: number;
  quarantined: number;
  version: number | undefined;
  /** The quality gate's failed table-level expectations that were let through (`action: warn`), per file. */
  warnings: { file: string; warnings: GateWarning[] }[];
}

let sequence = 0;
const temp = (what: string) => `aq_${what}_${process.pid}_${++sequence}`;

/**
 * Load files into the target incrementally: files already loaded (recorded in the
 * table's log) are skipped; each new file is one commit carrying its own txn marker,
 * so a crash between files, or in the middle of one, never loads a file twice.
 */
export async function ingestFiles(engine: Engine, target: IngestTarget, options: FileIngestOptions): Promise<FileIngestResult> {
  const job = {
    name: `ingest.${tableNameOf(target.location)}`,
    type: 'INGEST',
    processing: 'BATCH' as const,
    ...(target.project === undefined ? {} : { project: target.project }),
  };
  return withJobRun(job, (run) => ingestFilesInRun(engine, target, options, run));
}

async function ingestFilesInRun(engine: Engine, target: IngestTarget, options: FileIngestOptions, run: JobRun): Promise<FileIngestResult> {
  const matched = await expandFiles(engine, options.files);
  const loaded = await target.positions(FILE_APP_PREFIX);
  const pending = matched.filter((file) => !loaded.has(FILE_APP_PREFIX + file));
  const result: FileIngestResult = { files: [], alreadyLoaded: matched.length - pending.length, accepted: 0, quarantined: 0, version: undefined, warnings: [] };
  for (const [index, file] of pending.entries()) {
    const txn: AppTransaction = { appId: FILE_APP_PREFIX + file, version: 0 };
    const format = formatOf(file, options.format);
    // Only lineage needs the digest. It is read while DuckDB loads the file (the loop mostly
    // waits on DuckDB), not before, so it costs the load no time; the file is read twice at
    // once, as it was read twice one after the other.
    const digest = jobRunsObserved() ? sourceFileDataset(file) : undefined;
    digest?.catch(() => undefined);
    const batch =
      format === 'json' ? await ingestJsonLines(engine, target, file, txn, options) : await ingestTabular(engine, target, file, format, txn, options);
    const input = await digest;
    // A file another writer loaded meanwhile (its txn already committed) was not read by this run.
    if (input !== undefined && !batch.skipped) run.input(input);
    result.files.push({ file, accepted: batch.accepted, quarantined: batch.quarantined, version: batch.version });
    result.accepted += batch.accepted;
    result.quarantined += batch.quarantined;
    result.version = batch.version;
    if (batch.warnings !== undefined) result.warnings.push({ file, warnings: batch.warnings });
    options.onFile?.(file, index, pending.length, batch);
  }
  return result;
}

/** The absolute paths of the files that paths or globs name, sorted. */
export async function expandFiles(engine: Engine, files: string | readonly string[]): Promise<string[]> {
  const patterns = (typeof files === 'string' ? [files] : [...files]).map((f) => path.resolve(f));
  const found = new Set<string>();
  for (const pattern of patterns) {
    const rows = await engine.query(`SELECT file FROM glob(${quoteLiteral(pattern)})`);
    for (const row of rows) found.add(String(row['file']));
  }
  return [...found].sort();
}

/** JSON lines: each line is a record checked like any JSON record, with its file and line number as source. */
async function ingestJsonLines(engine: Engine, target: IngestTarget, file: string, txn: AppTransaction, options: FileIngestOptions): Promise<BatchResult> {
  const stage = temp('lines');
  const source = `json_object('kind', 'file', 'file', ${quoteLiteral(file)}, 'line', line)::VARCHAR`;
  let rejects = false;
  try {
    await engine.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(stage)} AS
      SELECT line AS aq_seq, raw AS aq_raw, ${source} AS aq_source, ${NO_POSITION_COLUMNS} FROM (
        SELECT unnest(range(1, len(lines) + 1)) AS line, rtrim(unnest(lines), chr(13)) AS raw
        FROM (SELECT string_split(content, chr(10)) AS lines FROM read_text(${quoteLiteral(file)}))
      ) WHERE trim(raw) <> ''`);
  } catch (error) {
    // DuckDB refuses a whole file that is not UTF-8; split it here instead, so only the bad lines are quarantined.
    if (!/UTF-8/i.test((error as Error).message)) throw error;
    await stageLinesOfBytes(engine, stage, file);
    rejects = true;
  }
  try {
    return await target.writeStagedJson(stage, [txn], { rejects, ...(options.checks === undefined ? {} : { checks: options.checks }) });
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
  }
}

/**
 * Stage a JSON-lines file that is not all UTF-8, line by line: each line that is valid
 * UTF-8 is staged as its text, each that is not as its bytes in base64 marked INVALID_UTF8.
 * Only taken when DuckDB refused the file, so valid files never pass through JavaScript.
 */
async function stageLinesOfBytes(engine: Engine, stage: string, file: string): Promise<void> {
  const bytes = await readFile(file);
  const rows: (string | number | null)[][] = [];
  let start = 0;
  for (let line = 1; start <= bytes.length; line++) {
    const newline = bytes.indexOf(0x0a, start);
    const end = newline === -1 ? bytes.length : newline;
    const raw = bytes.subarray(start, end > start && bytes[end - 1] === 0x0d ? end - 1 : end);
    const record = recordFromBytes(raw, { source: { kind: 'file', file, line } });
    if (record.invalid !== undefined || record.payload.trim() !== '') {
      rows.push([line, record.payload, JSON.stringify(record.source), null, null, null, null, null, record.invalid ?? null]);
    }
    start = end + 1;
  }
  const text = ['aq_seq', 'aq_raw', 'aq_source', 'aq_app', 'aq_pos', 'aq_dom', 'aq_key', 'aq_at', 'aq_reject'] as const;
  await engine.createTempTable(
    stage,
    text.map((name) => ({ name, type: name === 'aq_seq' || name === 'aq_pos' ? 'BIGINT' : 'VARCHAR' })),
    rows,
  );
}

/**
 * CSV and Parquet. CSV is read once by DuckDB with the table's types: rows that do not
 * parse or convert are set aside by DuckDB itself (store_rejects) with their line and
 * reason, so the good rows stream straight to Parquet. A file whose columns cannot be
 * matched to the table is quarantined whole.
 */
async function ingestTabular(
  engine: Engine,
  target: IngestTarget,
  file: string,
  format: Exclude<FileFormat, 'json'>,
  txn: AppTransaction,
  options: FileIngestOptions,
): Promise<BatchResult> {
  const reader = format === 'csv' ? csvReader(file, options) : () => `read_parquet(${quoteLiteral(file)})`;
  const described = await engine.read(`SELECT * FROM ${reader(undefined)} LIMIT 0`);
  let snapshot = await target.snapshot();
  if (snapshot === undefined) {
    const inferred = format === 'csv' ? await engine.read(`SELECT * FROM ${csvReader(file, options, true)(undefined)} LIMIT 0`) : described;
    const schema: StructType = {
      kind: 'struct',
      fields: inferred.columnNames().map((name, i) => ({ name, type: inferredDeltaType(inferred.columnTypes()[i]!, name), nullable: true, metadata: {} })),
    };
    snapshot = await target.createTable(schema);
  }
  const header = described.columnNames();
  const mismatch = fileSchemaProblem(snapshot.schema, header, options.checks);
  if (mismatch !== undefined) {
    const source = JSON.stringify({ kind: 'file', file });
    const written = await target.quarantine(
      `SELECT ${quoteLiteral(QuarantineReason.FILE_SCHEMA_MISMATCH)} AS reason, ${quoteLiteral(mismatch)} AS message, ${quoteLiteral(source)} AS source, ${quoteLiteral(file)} AS payload`,
      [txn],
    );
    const result = await target.table.writer().append(
      snapshot,
      {
        sql: `SELECT * FROM (SELECT ${snapshot.schema.fields.map((f) => `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ')}) WHERE false`,
      },
      { txn },
    );
    return { version: result.version, accepted: 0, quarantined: written, skipped: result.skipped && written === 0 };
  }
  if (target.table.writer().alreadyCommitted(snapshot, { txn })) return { version: snapshot.version, accepted: 0, quarantined: 0, skipped: true };
  return format === 'csv' ? ingestCsv(engine, target, snapshot, file, header, txn, options) : ingestParquet(engine, target, snapshot, file, txn, options);
}

/**
 * The field delimiter: as given, else ',' (tab for .tsv) as Spark assumes. DuckDB's
 * sniffer is not trusted here because one malformed line can make it guess another
 * delimiter, and then every good row would be misread.
 */
function csvReader(file: string, options: FileIngestOptions, infer = false): (columns: string | undefined) => string {
  return (columns) => {
    const args = [quoteLiteral(file), ...csvDialect(file, { delimiter: options.csv?.delimiter })];
    // Reads that only learn the header and the types skip malformed lines; the real read reports them.
    if (columns !== undefined) args.push(`columns = ${columns}`, 'store_rejects = true');
    else args.push('ignore_errors = true', ...(infer ? [] : ['all_varchar = true']));
    return `read_csv(${args.join(', ')})`;
  };
}

/** Why a file's columns cannot be loaded into the table, or undefined when they can. */
function fileSchemaProblem(schema: StructType, header: readonly string[], checks: CheckOptions | undefined): string | undefined {
  const known = new Map(schema.fields.map((f) => [f.name.toLowerCase(), f]));
  const unknown = header.filter((name) => !known.has(name.toLowerCase()));
  if (unknown.length > 0 && checks?.unknownFields !== 'ignore') return `the file has columns the table does not: ${unknown.join(', ')}`;
  const present = new Set(header.map((h) => h.toLowerCase()));
  const missing = schema.fields.filter((f) => !f.nullable && !present.has(f.name.toLowerCase())).map((f) => f.name);
  if (missing.length > 0) return `the file lacks required columns: ${missing.join(', ')}`;
  return undefined;
}

/** Thrown by DuckDB in the single pass for a value Delta cannot hold exactly: the file then takes the checked path. */
const NOT_EXACT = 'aquifer: a CSV value the column cannot hold exactly';

async function ingestCsv(
  engine: Engine,
  target: IngestTarget,
  snapshot: Snapshot,
  file: string,
  header: readonly string[],
  txn: AppTransaction,
  options: FileIngestOptions,
): Promise<BatchResult> {
  const rules = options.checks?.rules ?? [];
  const nonNullable = snapshot.schema.fields.filter((f) => !f.nullable);
  // Rules need every row in the checked path; a gate (and required columns with it) only its own checks, on the typed rows.
  if (rules.length === 0 && (nonNullable.length === 0 || target.gated)) {
    try {
      if (target.gated) return await ingestCsvGated(engine, target, snapshot, file, header, txn, options);
      return await ingestCsvSinglePass(engine, target, snapshot, file, header, txn, options);
    } catch (error) {
      // Such values are rare (infinity, a year past 9999, a decimal with too many digits): only then is the file read again, with the record checks.
      if (!(error as Error).message.includes(NOT_EXACT)) throw error;
    }
  }
  // Rules need a second look at every row: read once into a temp table, then split it.
  const { read, projection, rejects, scans } = csvRead(snapshot, file, header, options, true);
  return ingestCsvChecked(engine, target, snapshot, read, projection, rejects, scans, file, txn, options);
}

/**
 * The read of a CSV file with the table's types. DuckDB's CSV casts drop a timestamp's
 * offset and round decimals: with checks, date, time and decimal columns are read as text
 * and converted by the record checks (which quarantine what cannot be held exactly); in
 * the single pass, timestamp_ntz is read as an instant and kept as its UTC time, and a
 * value Delta cannot hold exactly stops the read (NOT_EXACT) so the file takes the checked path.
 */
function csvRead(
  snapshot: Snapshot,
  file: string,
  header: readonly string[],
  options: FileIngestOptions,
  checked: boolean,
): { read: string; projection: string[]; rejects: string; scans: string } {
  const byName = new Map(snapshot.schema.fields.map((f) => [f.name.toLowerCase(), f]));
  const typeOf = (h: string) => {
    const f = byName.get(h.toLowerCase());
    if (f === undefined || f.type.kind === 'decimal' || (checked && isDateOrTime(f))) return 'VARCHAR';
    return isNtz(f) ? 'TIMESTAMPTZ' : toDuckDBType(f.type);
  };
  const columns = `{${header.map((h) => `${quoteLiteral(h)}: ${quoteLiteral(typeOf(h))}`).join(', ')}}`;
  const rejects = temp('rejects');
  const scans = temp('scans');
  const read = `read_csv(${quoteLiteral(file)}, ${csvDialect(file, { delimiter: options.csv?.delimiter }).join(', ')}, columns = ${columns}, store_rejects = true, rejects_table = ${quoteLiteral(rejects)}, rejects_scan = ${quoteLiteral(scans)})`;
  const stop = `error(${quoteLiteral(NOT_EXACT)})`;
  const column = (f: StructField, h: string) => {
    const value = quoteIdent(h);
    if (checked) return value;
    if (f.type.kind === 'decimal') {
      const exact = exactDecimal(value, toDuckDBType(f.type), f.type.scale);
      return `CASE WHEN ${value} IS NULL THEN NULL ELSE COALESCE(${exact}, ${stop}) END`;
    }
    if (!isDateOrTime(f)) return value;
    const utc = f.type.kind === 'primitive' && f.type.name === 'date' ? value : `timezone('UTC', ${value})`;
    const inRange = `isfinite(${value}) AND ${utc} >= DATE '0001-01-01' AND ${utc} < DATE '10000-01-01'`;
    return `CASE WHEN ${value} IS NULL OR (${inRange}) THEN ${isNtz(f) ? utc : value} ELSE ${stop} END`;
  };
  const projection = snapshot.schema.fields.map((f) =>
    header.some((h) => h.toLowerCase() === f.name.toLowerCase())
      ? `${column(f, header.find((h) => h.toLowerCase() === f.name.toLowerCase()) as string)} AS ${quoteIdent(f.name)}`
      : `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`,
  );
  return { read, projection, rejects, scans };
}

async function ingestCsvSinglePass(
  engine: Engine,
  target: IngestTarget,
  snapshot: Snapshot,
  file: string,
  header: readonly string[],
  txn: AppTransaction,
  options: FileIngestOptions,
): Promise<BatchResult> {
  const { read, projection, rejects, scans } = csvRead(snapshot, file, header, options, false);
  const writer = target.table.writer();
  try {
    const staged = await writer.stage(
      snapshot,
      { sql: `SELECT ${projection.join(', ')} FROM ${read}` },
      options.onProgress === undefined ? {} : { onProgress: options.onProgress },
      'Append',
    );
    try {
      const quarantined = await quarantineRejects(engine, target, rejects, file, txn);
      const result = await writer.commit(staged, [txn]);
      return { version: result.version, accepted: result.rows, quarantined, skipped: false };
    } catch (error) {
      if (!commitOutcomeUnknown(error)) await writer.discard(staged);
      throw error;
    }
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(rejects)}; DROP TABLE IF EXISTS ${quoteIdent(scans)}`);
  }
}

/**
 * A gated file without rules: read once with the table's types (as the single pass does)
 * into a temp table, where a null in a required column is MISSING_REQUIRED and the gate
 * splits the rest (failing rows to the quarantine with their expectation, the others to the
 * table, in one exactly-once unit). Only a quarantined row gets a JSON payload and source.
 */
async function ingestCsvGated(
  engine: Engine,
  target: IngestTarget,
  snapshot: Snapshot,
  file: string,
  header: readonly string[],
  txn: AppTransaction,
  options: FileIngestOptions,
): Promise<BatchResult> {
  const { read, projection, rejects, scans } = csvRead(snapshot, file, header, options, false);
  const checked = temp('gated');
  try {
    await engine.run(
      `CREATE TEMP TABLE ${quoteIdent(checked)} AS
       SELECT *, CASE WHEN aq_message IS NOT NULL THEN ${quoteLiteral(QuarantineReason.MISSING_REQUIRED)} END AS aq_reason
       FROM (SELECT *, ${missingRequiredMessage(snapshot.schema.fields)} AS aq_message, ${NO_POSITION_COLUMNS}
             FROM (SELECT row_number() OVER () AS aq_seq, ${projection.join(', ')} FROM ${read}))`,
    );
    const extra = rejectRows(rejects, file, await rejectPayloads(engine, rejects, file));
    const row = snapshot.schema.fields.map((f) => `${quoteIdent(f.name)} := ${quoteIdent(f.name)}`).join(', ');
    return await target.commitChecked(snapshot, checked, snapshot.schema.fields, [txn], extra, undefined, {
      source: `json_object('kind', 'file', 'file', ${quoteLiteral(file)}, 'record', aq_seq)::VARCHAR`,
      payload: `to_json(struct_pack(${row}))::VARCHAR`,
    });
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(checked)}; DROP TABLE IF EXISTS ${quoteIdent(rejects)}; DROP TABLE IF EXISTS ${quoteIdent(scans)}`);
  }
}

function isNtz(f: StructField): boolean {
  return f.type.kind === 'primitive' && f.type.name === 'timestamp_ntz';
}

function isDateOrTime(f: StructField): boolean {
  return f.type.kind === 'primitive' && (f.type.name === 'date' || f.type.name === 'timestamp' || f.type.name === 'timestamp_ntz');
}

async function ingestCsvChecked(
  engine: Engine,
  target: IngestTarget,
  snapshot: Snapshot,
  read: string,
  projection: string[],
  rejects: string,
  scans: string,
  file: string,
  txn: AppTransaction,
  options: FileIngestOptions,
): Promise<BatchResult> {
  const rows = temp('rows');
  const checked = temp('checked');
  try {
    await engine.run(`CREATE TEMP TABLE ${quoteIdent(rows)} AS SELECT row_number() OVER () AS aq_seq, ${projection.join(', ')} FROM ${read}`);
    const staged = `SELECT aq_seq, to_json(r)::VARCHAR AS aq_raw, json_object('kind', 'file', 'file', ${quoteLiteral(file)}, 'record', aq_seq)::VARCHAR AS aq_source, ${NO_POSITION_COLUMNS} FROM (SELECT * EXCLUDE (aq_seq) FROM ${quoteIdent(rows)}) r POSITIONAL JOIN (SELECT aq_seq FROM ${quoteIdent(rows)})`;
    await engine.run(`CREATE TEMP TABLE ${quoteIdent(checked)} AS ${jsonRecordChecks(`(${staged})`, snapshot.schema, options.checks ?? {})}`);
    const extra = rejectRows(rejects, file, await rejectPayloads(engine, rejects, file));
    return await target.commitChecked(snapshot, checked, snapshot.schema.fields, [txn], extra);
  } finally {
    await engine.run(
      `DROP TABLE IF EXISTS ${quoteIdent(rows)}; DROP TABLE IF EXISTS ${quoteIdent(checked)}; DROP TABLE IF EXISTS ${quoteIdent(rejects)}; DROP TABLE IF EXISTS ${quoteIdent(scans)}`,
    );
  }
}

/**
 * Rows DuckDB's CSV reader set aside, as quarantine rows (reason, message, source,
 * payload): one per bad line, though DuckDB may report several errors for one line.
 * `payload` is the SQL for a row's payload (see rejectPayloads).
 */
function rejectRows(rejects: string, file: string, payload = 'r.csv_line'): string {
  const reason = `CASE WHEN r.error_type = 'CAST' THEN ${quoteLiteral(QuarantineReason.TYPE_MISMATCH)} WHEN r.error_type = 'INVALID ENCODING' THEN ${quoteLiteral(QuarantineReason.INVALID_UTF8)} ELSE ${quoteLiteral(QuarantineReason.PARSE_ERROR)} END`;
  return `SELECT * FROM (SELECT ${reason} AS reason, r.error_message AS message, json_object('kind', 'file', 'file', ${quoteLiteral(file)}, 'line', r.line)::VARCHAR AS source, ${payload} AS payload
    FROM ${quoteIdent(rejects)} r) QUALIFY row_number() OVER (PARTITION BY source ORDER BY reason) = 1`;
}

/**
 * The payload SQL for rejected CSV lines. DuckDB reports a line that is not UTF-8 with
 * '?' in place of the bad bytes; such a line's payload is instead its own bytes, in
 * base64, taken from the file around the byte DuckDB points at. Other lines keep DuckDB's text.
 */
async function rejectPayloads(engine: Engine, rejects: string, file: string): Promise<string> {
  const bad = await engine.query(`SELECT DISTINCT line, byte_position FROM ${quoteIdent(rejects)} WHERE error_type = 'INVALID ENCODING'`);
  if (bad.length === 0) return 'r.csv_line';
  const bytes = await readFile(file);
  const cases = bad.map((row) => {
    const at = Math.min(Number(row['byte_position']), bytes.length - 1);
    const start = bytes.lastIndexOf(0x0a, at) + 1;
    const newline = bytes.indexOf(0x0a, at);
    let end = newline === -1 ? bytes.length : newline;
    if (end > start && bytes[end - 1] === 0x0d) end--;
    return `WHEN r.line = ${Number(row['line'])} THEN ${quoteLiteral(bytes.subarray(start, end).toString('base64'))}`;
  });
  return `CASE WHEN r.error_type = 'INVALID ENCODING' THEN CASE ${cases.join(' ')} END ELSE r.csv_line END`;
}

async function quarantineRejects(engine: Engine, target: IngestTarget, rejects: string, file: string, txn: AppTransaction): Promise<number> {
  const deduplicated = rejectRows(rejects, file, await rejectPayloads(engine, rejects, file));
  const count = Number((await engine.query(`SELECT count(*) AS n FROM (${deduplicated})`))[0]?.['n'] ?? 0);
  return count > 0 ? target.quarantine(deduplicated, [txn]) : 0;
}

/**
 * Parquet rows go through the same per-record checks as JSON (types, required columns,
 * rules), so a row that does not fit is quarantined rather than failing the file.
 * Binary values travel as base64, the form the checks read binary columns in.
 */
async function ingestParquet(
  engine: Engine,
  target: IngestTarget,
  snapshot: Snapshot,
  file: string,
  txn: AppTransaction,
  options: FileIngestOptions,
): Promise<BatchResult> {
  const described = await engine.read(`SELECT * FROM read_parquet(${quoteLiteral(file)}) LIMIT 0`);
  const fields = described.columnNames().map((name, i) => {
    const type = described.columnTypes()[i];
    const value = type?.typeId === DuckDBTypeId.BLOB ? `to_base64(${quoteIdent(name)})` : quoteIdent(name);
    return `${quoteIdent(name)} := ${value}`;
  });
  const stage = temp('parquet');
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(stage)} AS
    SELECT file_row_number + 1 AS aq_seq, to_json(struct_pack(${fields.join(', ')}))::VARCHAR AS aq_raw,
           json_object('kind', 'file', 'file', ${quoteLiteral(file)}, 'record', file_row_number + 1)::VARCHAR AS aq_source, ${NO_POSITION_COLUMNS}
    FROM read_parquet(${quoteLiteral(file)}, file_row_number = true)`);
  try {
    void snapshot;
    return await target.writeStagedJson(stage, [txn], options.checks === undefined ? {} : { checks: options.checks });
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
  }
}
