import { createHash } from 'node:crypto';
import { quoteIdent, quoteLiteral, type Engine } from '../../engine/index.js';
import type { ObjectStorePool } from '../../storage/index.js';
import { DeltaTable, TableNotFoundError } from '../../table/index.js';
import { jsonRecordChecks, type CheckOptions } from '../checks/json-record-checks.js';
import { IngestTarget } from '../ingest-target.js';
import { quarantineLocation } from './quarantine-table.js';
import type { QualityGate } from '../../quality/index.js';
import { NO_POSITION_COLUMNS } from '../source-position.js';
import { withJobRun } from '../../observe/index.js';
import { tableNameOf } from '../job-runs.js';

export interface ReplayOptions {
  /** Which quarantined records to try again: a SQL filter over the quarantine's columns. */
  where?: string;
  /** Corrected payloads by record id; others are retried as they are (after a schema or rule change). */
  fixes?: ReadonlyMap<string, string>;
  checks?: CheckOptions;
  /** Open the table and its quarantine through these stores (a project's). */
  stores?: ObjectStorePool | undefined;
  /** The table's quality gate: a replayed record must pass it too, or it stays quarantined. */
  gate?: QualityGate | undefined;
  /** The root folder of the table's project, named by the replay's job run. */
  project?: string | undefined;
}

export interface ReplayResult {
  tried: number;
  replayed: number;
  stillQuarantined: number;
  tableVersion: number | undefined;
}

let sequence = 0;

/**
 * Try quarantined records again: those that now pass the table's checks are appended
 * to the table and removed from the quarantine; the others stay. Both steps carry the
 * quarantine's version as an application transaction, so a replay interrupted between
 * them finishes without writing a record twice.
 */
export function replayQuarantine(tableLocation: string, engine: Engine, options: ReplayOptions = {}): Promise<ReplayResult> {
  // The quarantine version read is the run's input (its scan reports it); the table and quarantine versions written its outputs.
  const job = {
    name: `ingest.replay.${tableNameOf(tableLocation)}`,
    type: 'INGEST',
    processing: 'BATCH' as const,
    ...(options.project === undefined ? {} : { project: options.project }),
  };
  return withJobRun(job, () => replay(tableLocation, engine, options));
}

async function replay(tableLocation: string, engine: Engine, options: ReplayOptions): Promise<ReplayResult> {
  const quarantine = await DeltaTable.open(quarantineLocation(tableLocation), { engine, stores: options.stores });
  let snapshot;
  try {
    snapshot = await quarantine.snapshot();
  } catch (error) {
    if (error instanceof TableNotFoundError) return { tried: 0, replayed: 0, stillQuarantined: 0, tableVersion: undefined };
    throw error;
  }
  const selected = await quarantine.scan({ version: snapshot.version, ...(options.where === undefined ? {} : { where: options.where }) });
  const stage = `aq_replay_${process.pid}_${++sequence}`;
  const fixes = [...(options.fixes ?? new Map<string, string>()).entries()];
  const fixed =
    fixes.length === 0 ? 'NULL' : `CASE record_id ${fixes.map(([id, payload]) => `WHEN ${quoteLiteral(id)} THEN ${quoteLiteral(payload)}`).join(' ')} END`;
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(stage)} AS
    SELECT row_number() OVER () AS aq_seq, COALESCE(${fixed}, payload) AS aq_raw,
           json_object('kind', 'replay', 'recordId', record_id, 'original', source::JSON)::VARCHAR AS aq_source,
           ${NO_POSITION_COLUMNS}, record_id
    FROM (${await selected.sql()})`);
  try {
    const tried = Number((await engine.query(`SELECT count(*) AS n FROM ${quoteIdent(stage)}`))[0]?.['n'] ?? 0);
    if (tried === 0) return { tried: 0, replayed: 0, stillQuarantined: 0, tableVersion: undefined };
    const target = await IngestTarget.open(tableLocation, {
      engine,
      stores: options.stores,
      ...(options.checks === undefined ? {} : { checks: options.checks }),
      gate: options.gate,
    });
    const table = await target.table.snapshot();
    // Records that pass go to the table; those that fail again stay in the quarantine untouched.
    const checked = `${stage}_checked`;
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE ${quoteIdent(checked)} AS SELECT c.*, s.record_id FROM (${jsonRecordChecks(quoteIdent(stage), table.schema, options.checks ?? {})}) c JOIN ${quoteIdent(stage)} s USING (aq_seq)`,
    );
    try {
      // The records replayed are one batch for the gate: its table-level expectations judge them together.
      await target.applyGate(checked, table.schema.fields);
      const columns = table.schema.fields.map((f) => quoteIdent(f.name)).join(', ');
      const replayedIds = `SELECT record_id FROM ${quoteIdent(checked)} WHERE aq_reason IS NULL`;
      const passing = await engine.query(`SELECT record_id, aq_raw FROM ${quoteIdent(checked)} WHERE aq_reason IS NULL ORDER BY record_id`);
      const replayed = passing.length;
      if (replayed === 0) return { tried, replayed: 0, stillQuarantined: tried, tableVersion: undefined };
      // The marker names exactly what moves (records and payloads) at this quarantine
      // version: a replay interrupted after its append finds it and only finishes the
      // quarantine rewrite; any other replay is a different marker.
      const digest = createHash('sha1');
      for (const row of passing) digest.update(`${String(row['record_id'])}\u0000${String(row['aq_raw'])}\u0001`);
      const txn = { appId: `aquifer.replay:${snapshot.metadata.id}:${digest.digest('hex')}`, version: snapshot.version };
      const appended = await target.table.writer().append(table, { sql: `SELECT ${columns} FROM ${quoteIdent(checked)} WHERE aq_reason IS NULL` }, { txn });
      const remaining = await quarantine.scan({ version: snapshot.version });
      // Rewrite from the version read, so records quarantined meanwhile (in files this
      // version does not have) are kept.
      await quarantine.writer().overwrite(snapshot, { sql: `SELECT * FROM (${await remaining.sql()}) WHERE record_id NOT IN (${replayedIds})` }, { txn });
      return { tried, replayed, stillQuarantined: tried - replayed, tableVersion: appended.version };
    } finally {
      await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(checked)}`);
    }
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
  }
}
