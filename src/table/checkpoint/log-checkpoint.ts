import { engineLocation, immutableEngineLocations } from '../paths/index.js';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { quoteIdent, quoteLiteral, quoteLiteralList, type Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import { buildLogSegment, type CommitFile, type LastCheckpoint } from '../log-segment/index.js';
import { InvalidLogError } from '../errors.js';
import { CHECKPOINT_SCHEMA, conformSql, jsonColumns, specType, type FieldSpec } from './checkpoint-schema.js';
import { DEFAULT_DELETED_FILE_RETENTION_MS, parseRetention } from './retention.js';
import { IDEMPOTENCY_KEY_RETENTION_PROPERTY, liveTxnCondition, TXN_RETENTION_PROPERTY, txnExpiry } from '../snapshot/txn-retention.js';
import { publishCheckpoint } from './write-checkpoint.js';

/** The checkpoint's columns with their specs, in order. */
const COLUMNS = Object.keys(CHECKPOINT_SCHEMA);
const spec = (column: string): FieldSpec => CHECKPOINT_SCHEMA[column] as FieldSpec;
/** Commit files read at once while they are joined into one file. */
const COMMITS_AT_ONCE = 32;
/**
 * DuckDB opens a JSON file in about a millisecond, and joining commits costs about a
 * millisecond per 150 KB: commits smaller than this on average are joined into one file,
 * larger ones read in place, by the few hundred (DuckDB holds buffers for every file of
 * one read_json).
 */
const JOIN_BELOW_AVERAGE_BYTES = 64 * 1024;
const COMMITS_PER_READ = 256;
/** Relative data paths in the form every writer logs them (plain or percent-encoded segments): the raw text is then a file's identity. */
const SIMPLE_PATH = '^[A-Za-z0-9_\\-=.~/%]+$';

/**
 * Write the checkpoint of `version` straight from the log, inside DuckDB: the previous
 * checkpoint's Parquet and the JSON commits since are read as typed actions, reconciled
 * (the newest action per file and deletion vector wins; a remove and an add of one file in
 * one commit leave the add) and copied to Parquet, so the file list never passes through
 * JavaScript and can outgrow memory (DuckDB spills). Returns undefined, writing nothing,
 * for logs it leaves to the snapshot-based writer: v2 checkpoints, or paths that are
 * absolute or unusual, whose identity needs URI normalisation.
 */
export async function writeCheckpointFromLog(
  store: ObjectStore,
  engine: Engine,
  location: string,
  version?: number,
  now = Date.now(),
): Promise<LastCheckpoint | undefined> {
  const segment = await buildLogSegment(store, location, { ...(version === undefined ? {} : { version }), useCompactions: false });
  const previous = segment.checkpoint?.files ?? [];
  if (previous.some((f) => f.format === 'v2')) return undefined;
  // DuckDB reads an empty commit as no rows; the log replay refuses it, so must this.
  const empty = segment.commits.find((c) => c.meta.size === 0);
  if (empty !== undefined) throw new InvalidLogError(`The commit ${empty.meta.path} is empty (0 bytes)`, empty.meta.path);
  const parts: string[] = [];
  if (previous.length > 0) {
    const locals = await immutableEngineLocations(
      engine,
      store,
      previous.map((f) => ({ path: f.meta.path, size: f.meta.size, version: String(f.meta.lastModified.getTime()) })),
    );
    const source = `read_parquet(${quoteLiteralList(locals)}, union_by_name = true)`;
    const reader = await engine.read(`SELECT * FROM ${source} LIMIT 0`);
    const stored = new Map(reader.columnNames().map((name, i) => [name, reader.columnTypes()[i]]));
    parts.push(
      `SELECT -1::BIGINT AS aq_version, ${COLUMNS.map((c) => `${conformSql(quoteIdent(c), spec(c), stored.get(c))} AS ${quoteIdent(c)}`).join(', ')} FROM ${source}`,
    );
  }
  const log = `aq_checkpoint_${randomUUID().replaceAll('-', '')}`;
  const staging = await store.stagingDir();
  try {
    const bytes = segment.commits.reduce((n, c) => n + c.meta.size, 0);
    if (segment.commits.length > 0 && bytes / segment.commits.length < JOIN_BELOW_AVERAGE_BYTES) {
      const joined = path.join(staging, 'commits.jsonl');
      await joinCommits(store, segment.commits, joined);
      parts.push(
        `SELECT aq_version, ${COLUMNS.map(quoteIdent).join(', ')}
         FROM read_json(${quoteLiteral(joined)}, format = 'newline_delimited', columns = {'aq_version': 'BIGINT', ${jsonColumns().slice(1)}, maximum_object_size = 1073741824)`,
      );
    } else {
      const locals = await Promise.all(segment.commits.map((c) => engineLocation(engine, store, c.meta.path)));
      for (let i = 0; i < locals.length; i += COMMITS_PER_READ) {
        parts.push(
          `SELECT CAST(regexp_extract(filename, '(\\d{20})\\.json$', 1) AS BIGINT) AS aq_version, ${COLUMNS.map(quoteIdent).join(', ')}
           FROM read_json(${quoteLiteralList(locals.slice(i, i + COMMITS_PER_READ))}, format = 'newline_delimited', columns = ${jsonColumns()}, filename = true, maximum_object_size = 1073741824)`,
        );
      }
    }
    const [first, ...rest] = parts;
    await engine.run(`CREATE TEMP TABLE ${log} AS ${first ?? 'SELECT -1::BIGINT AS aq_version WHERE false'}`);
    for (const part of rest) await engine.run(`INSERT INTO ${log} ${part}`);
    const unusual = await engine.query(
      `SELECT count(*) AS n FROM ${log} WHERE NOT regexp_full_match(coalesce(add.path, remove.path, 'x'), ${quoteLiteral(SIMPLE_PATH)})`,
    );
    if (Number(unusual[0]?.['n'] ?? 0) > 0) return undefined;
    const configuration = await engine.query(
      `SELECT metaData.configuration['delta.deletedFileRetentionDuration'] AS retention FROM ${log} WHERE metaData IS NOT NULL ORDER BY aq_version DESC LIMIT 1`,
    );
    const retention = configuration[0]?.['retention'];
    const cutoff =
      now - parseRetention(typeof retention === 'string' ? retention : undefined, DEFAULT_DELETED_FILE_RETENTION_MS, 'delta.deletedFileRetentionDuration');
    // Expired txns are left out, as the snapshot-based checkpoint leaves them out (txn-retention.ts).
    const txnRetention = (
      await engine.query(
        `SELECT metaData.configuration[${quoteLiteral(TXN_RETENTION_PROPERTY)}] AS txns, metaData.configuration[${quoteLiteral(IDEMPOTENCY_KEY_RETENTION_PROPERTY)}] AS keys FROM ${log} WHERE metaData IS NOT NULL ORDER BY aq_version DESC LIMIT 1`,
      )
    )[0];
    const expiry = txnExpiry(
      {
        ...(typeof txnRetention?.['txns'] === 'string' ? { [TXN_RETENTION_PROPERTY]: txnRetention['txns'] } : {}),
        ...(typeof txnRetention?.['keys'] === 'string' ? { [IDEMPOTENCY_KEY_RETENTION_PROPERTY]: txnRetention['keys'] } : {}),
      },
      now,
    );
    const liveTxn = expiry === undefined ? '' : ` WHERE ${liveTxnCondition(expiry, quoteLiteral)}`;
    const dv = (expr: string) => `coalesce(${expr}.storageType || ${expr}.pathOrInlineDv || coalesce('@' || CAST(${expr}."offset" AS VARCHAR), ''), '')`;
    const quiet = (column: 'add' | 'remove') => {
      const fields = Object.keys(spec(column) as Record<string, FieldSpec>).map(
        (f) => `${quoteIdent(f)} := ${f === 'dataChange' ? 'false' : `struct_extract(${column}, ${quoteLiteral(f)})`}`,
      );
      return `struct_pack(${fields.join(', ')})`;
    };
    const only = (column: string, expr: string) =>
      COLUMNS.map((c) => (c === column ? `${expr} AS ${quoteIdent(c)}` : `CAST(NULL AS ${specType(spec(c))}) AS ${quoteIdent(c)}`)).join(', ');
    const files = `SELECT * FROM (SELECT aq_version, add, remove, coalesce(add.path, remove.path) AS aq_path, ${dv('coalesce(add.deletionVector, remove.deletionVector)')} AS aq_dv FROM ${log} WHERE add IS NOT NULL OR remove IS NOT NULL)
      QUALIFY row_number() OVER (PARTITION BY aq_path, aq_dv ORDER BY aq_version DESC, (add IS NOT NULL) DESC) = 1`;
    const state = [
      `(SELECT ${only('protocol', 'protocol')} FROM ${log} WHERE protocol IS NOT NULL ORDER BY aq_version DESC LIMIT 1)`,
      `(SELECT ${only('metaData', 'metaData')} FROM ${log} WHERE metaData IS NOT NULL ORDER BY aq_version DESC LIMIT 1)`,
      `(SELECT * FROM (SELECT ${only('txn', 'txn')} FROM ${log} WHERE txn IS NOT NULL QUALIFY row_number() OVER (PARTITION BY txn.appId ORDER BY aq_version DESC) = 1)${liveTxn})`,
      `(SELECT ${only('domainMetadata', 'domainMetadata')} FROM (SELECT domainMetadata FROM ${log} WHERE domainMetadata IS NOT NULL QUALIFY row_number() OVER (PARTITION BY domainMetadata.domain ORDER BY aq_version DESC) = 1) WHERE NOT coalesce(domainMetadata.removed, false))`,
      `(SELECT ${only('add', quiet('add'))} FROM (${files}) WHERE add IS NOT NULL)`,
      `(SELECT ${only('remove', quiet('remove'))} FROM (${files}) WHERE remove IS NOT NULL AND coalesce(remove.deletionTimestamp, 0) > ${cutoff})`,
    ].join(' UNION ALL ');
    const parquet = path.join(staging, 'checkpoint.parquet');
    const copied = await engine.query(`COPY (${state}) TO ${quoteLiteral(parquet)} (FORMAT parquet, COMPRESSION zstd, RETURN_STATS)`);
    const actions = Number(copied[0]?.['count'] ?? 0);
    // Counted in the file just written, not by reconciling the log a second time.
    const adds = Number((await engine.query(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(parquet)}) WHERE add IS NOT NULL`))[0]?.['n'] ?? 0);
    return await publishCheckpoint(store, parquet, segment.version, actions, adds);
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${log}`);
    await store.discardStaging(staging);
  }
}

/**
 * Join the commits into one JSON-lines file, each action tagged with its version
 * (`aq_version`): DuckDB opens one file instead of one per commit. The bytes are copied
 * as they are, never decoded, and only a window of commits is in memory at a time.
 */
async function joinCommits(store: ObjectStore, commits: readonly CommitFile[], file: string): Promise<void> {
  const out = createWriteStream(file);
  const closed = finished(out);
  let failure: unknown;
  try {
    for (let i = 0; i < commits.length; i += COMMITS_AT_ONCE) {
      const window = commits.slice(i, i + COMMITS_AT_ONCE);
      const contents = await Promise.all(window.map((commit) => store.get(commit.meta.path)));
      const chunks: Uint8Array[] = [];
      window.forEach((commit, j) => tagActions(Buffer.from(contents[j] as Uint8Array), commit, chunks));
      if (chunks.length > 0 && !out.write(Buffer.concat(chunks))) await once(out, 'drain');
    }
  } catch (error) {
    failure = error;
  }
  out.end();
  try {
    await closed;
  } catch (error) {
    failure ??= error;
  }
  if (failure !== undefined) throw failure;
}

const NEWLINE = 0x0a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const NEWLINE_BYTES = Buffer.from('\n');
const isSpace = (byte: number | undefined) => byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === NEWLINE;

/** Each action line of a commit, as `{"aq_version":V,` and the rest of its object; blank lines and `{}` dropped. */
function tagActions(bytes: Buffer, commit: CommitFile, chunks: Uint8Array[]): void {
  const prefix = Buffer.from(`{"aq_version":${commit.version},`);
  for (let start = 0; start < bytes.length;) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    let at = start;
    while (at < end && isSpace(bytes[at])) at++;
    if (at < end) {
      if (bytes[at] !== OPEN)
        throw new InvalidLogError(
          `A line of commit ${commit.meta.path} is not a JSON object`,
          commit.meta.path,
          'Restore the commit file; every line of a commit is one action.',
        );
      let body = at + 1;
      while (body < end && isSpace(bytes[body])) body++;
      if (bytes[body] !== CLOSE) chunks.push(prefix, bytes.subarray(body, end), NEWLINE_BYTES);
    }
    start = end + 1;
  }
}
