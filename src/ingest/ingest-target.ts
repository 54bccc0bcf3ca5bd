import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import {
  DeltaTable,
  fromDuckDBType,
  TableNotFoundError,
  type AppTransaction,
  type Snapshot,
  type StructField,
  type StructType,
} from '../table/index.js';
import { jsonRecordChecks, type CheckOptions } from './checks/json-record-checks.js';
import { openQuarantine } from './quarantine/quarantine-table.js';
import type { RawRecord } from './source-position.js';

export interface CreateIfMissing {
  partitionColumns?: readonly string[];
  properties?: Readonly<Record<string, string>>;
}

export interface IngestTargetOptions {
  engine: Engine;
  /** Create the table from the first batch's inferred schema when it does not exist yet. */
  createIfMissing?: CreateIfMissing | false;
  checks?: CheckOptions;
}

/** What one batch did: rows that reached the table, rows that went to quarantine, the version. */
export interface BatchResult {
  version: number;
  accepted: number;
  quarantined: number;
  /** Every position of the batch was already committed: nothing was written again. */
  skipped: boolean;
  /** Accepted and quarantined counts per group, when the batch was written with `groupBy`. */
  groups?: Map<string, { accepted: number; quarantined: number }>;
}

let sequence = 0;
const tempName = (what: string) => `aq_${what}_${process.pid}_${++sequence}_${randomUUID().slice(0, 8)}`;

/**
 * Where ingested records land: a Delta table and its quarantine. Source positions go
 * into the same commit as the data (txn actions), and the quarantine is written first
 * with the same positions, so a crash at any point neither loses nor duplicates a
 * record: a retried batch finds its quarantine part done and its table part not.
 */
export class IngestTarget {
  private constructor(
    readonly table: DeltaTable,
    private readonly engine: Engine,
    private readonly options: IngestTargetOptions,
  ) {}

  static async open(location: string, options: IngestTargetOptions): Promise<IngestTarget> {
    return new IngestTarget(await DeltaTable.open(location, { engine: options.engine }), options.engine, options);
  }

  get location(): string {
    return this.table.location;
  }

  /** The current snapshot, or undefined while the table does not exist yet. */
  async snapshot(): Promise<Snapshot | undefined> {
    try {
      return await this.table.snapshot();
    } catch (error) {
      if (error instanceof TableNotFoundError) return undefined;
      throw error;
    }
  }

  /** The committed position of each application id (txn version), for seeking a source. */
  async positions(prefix: string): Promise<Map<string, number>> {
    const snapshot = await this.snapshot();
    const out = new Map<string, number>();
    if (snapshot === undefined) return out;
    for (const [appId, txn] of snapshot.txns) if (appId.startsWith(prefix)) out.set(appId, txn.version);
    return out;
  }

  /** Check, convert and write a batch of JSON records, committing the positions with them. */
  async writeJson(records: readonly RawRecord[], txns: readonly AppTransaction[], options: { groupBy?: string } = {}): Promise<BatchResult> {
    const stage = tempName('stage');
    await this.engine.createTempTable(
      stage,
      [
        { name: 'aq_seq', type: 'BIGINT' },
        { name: 'aq_raw', type: 'VARCHAR' },
        { name: 'aq_source', type: 'VARCHAR' },
        { name: 'aq_app', type: 'VARCHAR' },
        { name: 'aq_pos', type: 'BIGINT' },
      ],
      records.map((r, i) => [i, r.payload, JSON.stringify(r.source), r.position?.appId ?? null, r.position?.version ?? null]),
    );
    try {
      return await this.writeStagedJson(stage, txns, options);
    } finally {
      await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
    }
  }

  /**
   * Like writeJson for records already staged in a temp table (`aq_seq`, `aq_raw`,
   * `aq_source`, `aq_app`, `aq_pos`), such as the lines of a JSON-lines file read by DuckDB.
   */
  async writeStagedJson(stage: string, txns: readonly AppTransaction[], options: { groupBy?: string } = {}): Promise<BatchResult> {
    let snapshot = await this.snapshot();
    if (snapshot !== undefined && txns.length > 0 && this.table.writer().alreadyCommitted(snapshot, { txn: txns })) {
      return { version: snapshot.version, accepted: 0, quarantined: 0, skipped: true };
    }
    snapshot ??= await this.createFromJson(stage);
    const checked = tempName('checked');
    await this.engine.run(`CREATE TEMP TABLE ${quoteIdent(checked)} AS ${jsonRecordChecks(quoteIdent(stage), snapshot.schema, this.options.checks ?? {})}`);
    try {
      const result = await this.commitChecked(snapshot, checked, snapshot.schema.fields, txns);
      if (options.groupBy !== undefined && !result.skipped) result.groups = await this.groupCounts(checked, options.groupBy);
      return result;
    } finally {
      await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(checked)}`);
    }
  }

  /**
   * Commit rows already checked (a temp table with the table's columns plus `aq_reason`,
   * `aq_message`, `aq_source`, `aq_raw`, `aq_app`, `aq_pos`): the quarantine first, then
   * the table. Each table keeps its own positions (txn versions per appId) and takes only
   * records past them, so a batch replayed after a crash (even cut differently) adds
   * nothing twice to either.
   */
  async commitChecked(snapshot: Snapshot, checked: string, fields: readonly StructField[], txns: readonly AppTransaction[], extraQuarantine?: string): Promise<BatchResult> {
    const table = quoteIdent(checked);
    const reached = await this.engine.query(`SELECT aq_app, max(aq_pos) AS pos FROM ${table} WHERE aq_app IS NOT NULL GROUP BY aq_app`);
    const batchPositions = new Map(reached.map((r) => [String(r['aq_app']), Number(r['pos'])]));
    const quarantineTable = await openQuarantine(this.location, this.engine);
    const quarantineSnapshot = await quarantineTable.snapshot();
    const fresh = (done: Snapshot) => {
      const cases = [...batchPositions.keys()].map((app) => `WHEN ${quoteLiteral(app)} THEN ${done.txnVersion(app) ?? -1}`);
      return cases.length === 0 ? 'TRUE' : `(aq_app IS NULL OR aq_pos > CASE aq_app ${cases.join(' ')} ELSE -1 END)`;
    };
    const advanced = (done: Snapshot): AppTransaction[] => [
      ...txns,
      ...[...batchPositions.entries()].filter(([app, pos]) => pos > (done.txnVersion(app) ?? -1)).map(([appId, version]) => ({ appId, version })),
    ];
    const badRows = `SELECT aq_reason AS reason, aq_message AS message, aq_source AS source, aq_raw AS payload FROM ${table} WHERE aq_reason IS NOT NULL AND ${fresh(quarantineSnapshot)}`;
    const quarantineRows = extraQuarantine === undefined ? badRows : `${badRows} UNION ALL ${extraQuarantine}`;
    const quarantined = Number((await this.engine.query(`SELECT count(*) AS n FROM (${quarantineRows})`))[0]?.['n'] ?? 0);
    const quarantineTxns = advanced(quarantineSnapshot);
    if (quarantined > 0) await this.quarantine(quarantineRows, quarantineTxns, quarantineTable);
    const goodRows = `FROM ${table} WHERE aq_reason IS NULL AND ${fresh(snapshot)}`;
    const accepted = Number((await this.engine.query(`SELECT count(*) AS n ${goodRows}`))[0]?.['n'] ?? 0);
    const tableTxns = advanced(snapshot);
    if (accepted === 0 && tableTxns.length === 0) return { version: snapshot.version, accepted: 0, quarantined, skipped: quarantined === 0 };
    const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
    const result = await this.table.writer().append(snapshot, { sql: `SELECT ${columns} ${goodRows}` }, { txn: tableTxns });
    log.info({ table: this.location, version: result.version, accepted, quarantined, skipped: result.skipped }, 'ingested batch');
    return { version: result.version, accepted: result.skipped ? 0 : accepted, quarantined, skipped: result.skipped };
  }

  /** Counts per value of a field of the records' source positions (such as the HTTP request id). */
  private async groupCounts(checked: string, field: string): Promise<Map<string, { accepted: number; quarantined: number }>> {
    const rows = await this.engine.query(
      `SELECT json_extract_string(aq_source, ${quoteLiteral(`$.${field}`)}) AS g, count(*) FILTER (WHERE aq_reason IS NULL) AS good, count(*) FILTER (WHERE aq_reason IS NOT NULL) AS bad FROM ${quoteIdent(checked)} GROUP BY g`,
    );
    return new Map(rows.map((r) => [String(r['g']), { accepted: Number(r['good']), quarantined: Number(r['bad']) }]));
  }

  /** Append rows (`reason`, `message`, `source` JSON, `payload`) to the quarantine, idempotently with the batch's positions. */
  async quarantine(rowsSql: string, txns: readonly AppTransaction[], table?: DeltaTable): Promise<void> {
    const quarantine = table ?? (await openQuarantine(this.location, this.engine));
    const target = quoteLiteral(path.basename(this.location));
    await quarantine.append(
      {
        sql: `SELECT uuid()::VARCHAR AS record_id, now() AS quarantined_at, ${target} AS target_table, reason, message,
                COALESCE(json_extract_string(source, '$.kind'), 'unknown') AS source_kind, source, payload FROM (${rowsSql})`,
      },
      { txn: txns },
    );
  }

  /** Create the table with the schema DuckDB infers from the batch's JSON objects. */
  private async createFromJson(stage: string): Promise<Snapshot> {
    const file = path.join(os.tmpdir(), `${tempName('infer')}.jsonl`);
    try {
      const objects = await this.engine.query(
        `COPY (SELECT aq_raw FROM ${quoteIdent(stage)} WHERE json_valid(aq_raw) AND CASE WHEN json_valid(aq_raw) THEN json_type(aq_raw) = 'OBJECT' END LIMIT 10000) TO ${quoteLiteral(file)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\u0001')`,
      );
      void objects;
      const reader = await this.engine.read(`SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited') LIMIT 0`);
      const schema: StructType = { kind: 'struct', fields: reader.columnNames().map((name, i) => ({ name, type: fromDuckDBType(reader.columnTypes()[i]!, name), nullable: true, metadata: {} })) };
      return await this.createTable(schema);
    } finally {
      await fs.rm(file, { force: true });
    }
  }

  /** Create the table with this schema (or open it, when a concurrent writer created it first). */
  async createTable(schema: StructType): Promise<Snapshot> {
    const create = this.options.createIfMissing;
    if (create === undefined || create === false) throw new TableNotFoundError(this.location);
    try {
      await DeltaTable.create(this.location, {
        engine: this.engine,
        schema,
        ...(create.partitionColumns === undefined ? {} : { partitionColumns: create.partitionColumns }),
        ...(create.properties === undefined ? {} : { properties: create.properties }),
      });
    } catch (error) {
      if ((error as { code?: string }).code !== 'TABLE_ALREADY_EXISTS') throw error;
    }
    return this.table.snapshot();
  }
}
