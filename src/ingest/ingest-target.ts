import type { ObjectStorePool } from '../storage/index.js';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import { compileGate, GATE_ROWS, judgeBatch, type GateWarning, type QualityGate } from '../quality/index.js';
import {
  DeltaTable,
  TableNotFoundError,
  IDEMPOTENCY_KEY_RETENTION_PROPERTY,
  type AppTransaction,
  type DomainMetadata,
  type Snapshot,
  type StructField,
  type StructType,
} from '../table/index.js';
import { jsonRecordChecks, type CheckOptions } from './checks/json-record-checks.js';
import { inferJsonSchema } from './json-schema-inference.js';
import { openQuarantine, quarantineLocation } from './quarantine/quarantine-table.js';
import { QuarantineReason, type RawRecord } from './source-position.js';

export interface CreateIfMissing {
  partitionColumns?: readonly string[];
  properties?: Readonly<Record<string, string>>;
}

export interface IngestTargetOptions {
  engine: Engine;
  /** Create the table from the first batch's inferred schema when it does not exist yet. */
  createIfMissing?: CreateIfMissing | false;
  checks?: CheckOptions;
  /** Open the table and its quarantine through these stores (a project's), not stores of their own. */
  stores?: ObjectStorePool | undefined;
  /**
   * The table's quality gate: records failing its per-row expectations are quarantined with
   * the batch's bad records; its table-level ones judge the rows a batch would add, blocking
   * the batch (nothing written) or letting it through with warnings, by the suite's action.
   */
  gate?: QualityGate | undefined;
  /** The root folder of the project the table belongs to, named by the job runs that write it. */
  project?: string | undefined;
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
  /** Table-level expectations of the gate that failed on the batch but were let through (`action: warn`). */
  warnings?: GateWarning[];
  /**
   * The table's position for each of the batch's application ids (-1: none) in the version
   * the batch was committed on: records at or before it were already in the table and were
   * not written again (lineage reports only the ones after it).
   */
  positionsBefore?: ReadonlyMap<string, number>;
}

export interface WriteJsonOptions {
  /** Count accepted and quarantined records per value of this field of their sources. */
  groupBy?: string;
  /**
   * Abandons the batch (throwing its reason) at safe points before its first commit (the
   * table's creation, the quarantine's or the table's); once one has started, it finishes.
   */
  signal?: AbortSignal;
  /**
   * Called, before anything is committed, with the snapshot the batch is checked and committed
   * against (the quarantine's while the table does not exist yet); throwing abandons the batch.
   * A caller that looked at the table earlier learns here what another writer committed since.
   */
  verify?: (snapshot: Snapshot) => void;
}

let sequence = 0;

/**
 * A source may deliver a record twice within one batch (Kafka after a rebalance's seek,
 * Kinesis after a new iterator): same position, same source place. Keep the first.
 */
function withoutRedeliveries(records: readonly RawRecord[]): readonly RawRecord[] {
  if (!records.some((r) => r.position !== undefined)) return records;
  const seen = new Set<string>();
  return records.filter((r) => {
    if (r.position === undefined) return true;
    const key = JSON.stringify(r.source);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Sequence numbers compare as zero-padded strings; Kinesis ones have up to 56 digits. */
const SEQUENCE_WIDTH = 80;

function padded(sequence: string): string {
  return sequence.padStart(SEQUENCE_WIDTH, '0');
}

/** The position a table holds for one key of a domain ('' when none). */
function sequenceDone(snapshot: Snapshot, domain: string, key: string): string {
  const config = snapshot.domains.get(domain)?.configuration;
  if (config === undefined || config === '') return '';
  try {
    const value = (JSON.parse(config) as Record<string, unknown>)[key];
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

/** Domain metadata carrying the batch's newest sequence per key, merged into what the table holds. */
function advancedDomains(snapshot: Snapshot, reached: readonly { domain: string; key: string; at: string }[]): DomainMetadata[] {
  const byDomain = new Map<string, Record<string, string>>();
  for (const { domain, key, at } of reached) {
    const done = sequenceDone(snapshot, domain, key);
    const value = at.replace(/^0+(?=\d)/, '');
    if (done !== '' && padded(value) <= padded(done)) continue;
    let config = byDomain.get(domain);
    if (config === undefined) {
      const existing = snapshot.domains.get(domain)?.configuration;
      config = existing === undefined || existing === '' ? {} : (JSON.parse(existing) as Record<string, string>);
      byDomain.set(domain, config);
    }
    config[key] = value;
  }
  return [...byDomain.entries()].map(([domain, config]) => ({ domain, configuration: JSON.stringify(config), removed: false }));
}
const tempName = (what: string) => `aq_${what}_${process.pid}_${++sequence}_${randomUUID().slice(0, 8)}`;

/**
 * How a quarantined row's `source` and `payload` are made, as SQL over the checked table:
 * by default its `aq_source` and `aq_raw` columns; a stage that has none computes them here,
 * for the few rows quarantined rather than for every row.
 */
export interface QuarantinedRecordSql {
  source: string;
  payload: string;
}

const CHECKED_RECORD: QuarantinedRecordSql = { source: 'aq_source', payload: 'aq_raw' };

/** The quarantine's columns (reason, message, source, payload) for the rows of a checked table (quoted name) matching `where`. */
export function quarantinedRows(table: string, where: string, record: QuarantinedRecordSql = CHECKED_RECORD): string {
  return `SELECT aq_reason AS reason, aq_message AS message, ${record.source} AS source, ${record.payload} AS payload FROM ${table} WHERE ${where}`;
}

/**
 * Where ingested records land: a Delta table and its quarantine. Source positions go
 * into the same commit as the data (txn actions), and the quarantine is written first
 * with the same positions, so a crash at any point neither loses nor duplicates a
 * record: a retried batch finds its quarantine part done and its table part not.
 */
export class IngestTarget {
  private constructor(
    readonly table: DeltaTable,
    readonly engine: Engine,
    private readonly options: IngestTargetOptions,
  ) {}

  static async open(location: string, options: IngestTargetOptions): Promise<IngestTarget> {
    return new IngestTarget(await DeltaTable.open(location, { engine: options.engine, stores: options.stores }), options.engine, options);
  }

  get location(): string {
    return this.table.location;
  }

  /** Whether a quality gate guards the table (then every row takes the checked path). */
  /** The root folder of the table's project, when it has one (for job runs). */
  get project(): string | undefined {
    return this.options.project;
  }

  get gated(): boolean {
    return this.options.gate !== undefined;
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

  /** The quarantine's current snapshot, or undefined while it does not exist. */
  async quarantineSnapshot(): Promise<Snapshot | undefined> {
    try {
      return await (await DeltaTable.open(quarantineLocation(this.location), { engine: this.engine, stores: this.options.stores })).snapshot();
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
  async writeJson(batch: readonly RawRecord[], txns: readonly AppTransaction[], options: WriteJsonOptions = {}): Promise<BatchResult> {
    const records = withoutRedeliveries(batch);
    const stage = tempName('stage');
    await this.engine.createTempTable(
      stage,
      [
        { name: 'aq_seq', type: 'BIGINT' },
        { name: 'aq_raw', type: 'VARCHAR' },
        { name: 'aq_source', type: 'VARCHAR' },
        { name: 'aq_app', type: 'VARCHAR' },
        { name: 'aq_pos', type: 'BIGINT' },
        { name: 'aq_dom', type: 'VARCHAR' },
        { name: 'aq_key', type: 'VARCHAR' },
        { name: 'aq_at', type: 'VARCHAR' },
        { name: 'aq_reject', type: 'VARCHAR' },
      ],
      records.map((r, i) => {
        const p = r.position;
        const txn = p !== undefined && 'appId' in p ? p : undefined;
        const seq = p !== undefined && 'domain' in p ? p : undefined;
        return [
          i,
          r.payload,
          JSON.stringify(r.source),
          txn?.appId ?? null,
          txn?.version ?? null,
          seq?.domain ?? null,
          seq?.key ?? null,
          seq?.sequence ?? null,
          r.invalid ?? null,
        ];
      }),
    );
    try {
      return await this.writeStagedJson(stage, txns, { ...options, rejects: true });
    } finally {
      await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(stage)}`);
    }
  }

  /**
   * Like writeJson for records already staged in a temp table (`aq_seq`, `aq_raw`,
   * `aq_source`, `aq_app`, `aq_pos`), such as the lines of a JSON-lines file read by DuckDB.
   * With `rejects`, the stage also has `aq_reject`: a quarantine reason a source already found.
   */
  async writeStagedJson(
    stage: string,
    txns: readonly AppTransaction[],
    options: WriteJsonOptions & { checks?: CheckOptions; rejects?: boolean } = {},
  ): Promise<BatchResult> {
    const staged = { rejects: options.rejects === true };
    const signal = options.signal;
    signal?.throwIfAborted();
    let snapshot = await this.snapshot();
    if (snapshot !== undefined && txns.length > 0 && this.table.writer().alreadyCommitted(snapshot, { txn: txns })) {
      return { version: snapshot.version, accepted: 0, quarantined: 0, skipped: true };
    }
    if (snapshot === undefined) {
      // A table's schema is inferred from JSON objects; a first batch without any (all
      // malformed) goes to the quarantine alone and leaves the table for a later batch.
      if (!(await this.hasObjects(stage))) return this.quarantineOnly(stage, txns, options.groupBy, staged, signal, options.verify);
      snapshot = await this.createFromJson(stage, signal);
    }
    options.verify?.(snapshot);
    const checked = tempName('checked');
    await this.engine.run(
      `CREATE TEMP TABLE ${quoteIdent(checked)} AS ${jsonRecordChecks(quoteIdent(stage), snapshot.schema, options.checks ?? this.options.checks ?? {}, staged)}`,
    );
    try {
      const result = await this.commitChecked(snapshot, checked, snapshot.schema.fields, txns, undefined, signal);
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
  async commitChecked(
    snapshot: Snapshot,
    checked: string,
    fields: readonly StructField[],
    txns: readonly AppTransaction[],
    extraQuarantine?: string,
    signal?: AbortSignal,
    record: QuarantinedRecordSql = CHECKED_RECORD,
  ): Promise<BatchResult> {
    const table = quoteIdent(checked);
    const reached = await this.engine.query(`SELECT aq_app, max(aq_pos) AS pos FROM ${table} WHERE aq_app IS NOT NULL GROUP BY aq_app`);
    const batchPositions = new Map(reached.map((r) => [String(r['aq_app']), Number(r['pos'])]));
    const sequences = await this.engine.query(
      `SELECT aq_dom, aq_key, max(lpad(aq_at, ${SEQUENCE_WIDTH}, '0')) AS at FROM ${table} WHERE aq_dom IS NOT NULL GROUP BY aq_dom, aq_key`,
    );
    const batchSequences = sequences.map((r) => ({ domain: String(r['aq_dom']), key: String(r['aq_key']), at: String(r['at']) }));
    const fresh = (done: Snapshot) => {
      const conditions: string[] = [];
      const cases = [...batchPositions.keys()].map((app) => `WHEN ${quoteLiteral(app)} THEN ${done.txnVersion(app) ?? -1}`);
      if (cases.length > 0) conditions.push(`(aq_app IS NULL OR aq_pos > CASE aq_app ${cases.join(' ')} ELSE -1 END)`);
      if (batchSequences.length > 0) {
        const seqCases = batchSequences.map((b) => {
          const held = sequenceDone(done, b.domain, b.key);
          return `WHEN ${quoteLiteral(b.domain)} || chr(1) || ${quoteLiteral(b.key)} THEN ${quoteLiteral(held === '' ? '' : padded(held))}`;
        });
        conditions.push(`(aq_dom IS NULL OR lpad(aq_at, ${SEQUENCE_WIDTH}, '0') > CASE aq_dom || chr(1) || aq_key ${seqCases.join(' ')} ELSE '' END)`);
      }
      return conditions.length === 0 ? 'TRUE' : conditions.join(' AND ');
    };
    const advanced = (done: Snapshot): { txn: AppTransaction[]; domains: DomainMetadata[] } => ({
      txn: [
        ...txns,
        ...[...batchPositions.entries()].filter(([app, pos]) => pos > (done.txnVersion(app) ?? -1)).map(([appId, version]) => ({ appId, version })),
      ],
      domains: advancedDomains(done, batchSequences),
    });
    const warnings = await this.applyGate(checked, fields, fresh(snapshot));
    // The quarantine is opened (and created on first use) only for batches that have bad records.
    const anyBad = Number((await this.engine.query(`SELECT count(*) AS n FROM ${table} WHERE aq_reason IS NOT NULL`))[0]?.['n'] ?? 0) > 0;
    let quarantined = 0;
    if (anyBad || extraQuarantine !== undefined) {
      signal?.throwIfAborted();
      const quarantineTable = await openQuarantine(this.location, this.engine, this.quarantineProperties(snapshot), this.options.stores);
      const quarantineSnapshot = await quarantineTable.snapshot();
      const badRows = quarantinedRows(table, `aq_reason IS NOT NULL AND ${fresh(quarantineSnapshot)}`, record);
      const quarantineRows = extraQuarantine === undefined ? badRows : `${badRows} UNION ALL ${extraQuarantine}`;
      const candidates = Number((await this.engine.query(`SELECT count(*) AS n FROM (${quarantineRows})`))[0]?.['n'] ?? 0);
      if (candidates > 0) {
        quarantined = await this.quarantine(quarantineRows, advanced(quarantineSnapshot), quarantineTable, signal);
        // The quarantine's commit has started: the table's must follow, or the batch would be half written.
        signal = undefined;
      }
    }
    const goodRows = `FROM ${table} WHERE aq_reason IS NULL AND ${fresh(snapshot)}`;
    const accepted = Number((await this.engine.query(`SELECT count(*) AS n ${goodRows}`))[0]?.['n'] ?? 0);
    const positions = advanced(snapshot);
    // What every outcome reports beside its counts: the warnings, and where each source stood before this batch.
    const context = {
      ...(warnings.length === 0 ? {} : { warnings }),
      positionsBefore: new Map([...batchPositions.keys()].map((app) => [app, snapshot.txnVersion(app) ?? -1])),
    };
    if (accepted === 0 && positions.txn.length === 0 && positions.domains.length === 0)
      return { version: snapshot.version, accepted: 0, quarantined, skipped: quarantined === 0, ...context };
    const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
    const result = await this.table
      .writer()
      .append(snapshot, { sql: `SELECT ${columns} ${goodRows}` }, { ...positions, ...(signal === undefined ? {} : { signal }) });
    log.info({ table: this.location, version: result.version, accepted, quarantined, skipped: result.skipped }, 'ingested batch');
    return { version: result.version, accepted: result.skipped ? 0 : accepted, quarantined, skipped: result.skipped, ...context };
  }

  /**
   * The gate, before anything is committed: rows that passed the record checks but fail a
   * per-row expectation get EXPECTATION_FAILED (the checked table is rewritten in place, so
   * they go to the quarantine in the batch's exactly-once unit); then the rows the commit
   * would add (fresh, good) are judged against the table-level expectations, which throw
   * QUALITY_GATE_BLOCKED to block. A batch with no fresh record (a replay) is not judged.
   * Expectations across rows (uniqueness) compare the rows of this batch only.
   */
  async applyGate(checked: string, fields: readonly StructField[], fresh = 'TRUE'): Promise<GateWarning[]> {
    const gate = this.options.gate;
    if (gate === undefined) return [];
    const compiled = compileGate(gate.suite, fields);
    const table = quoteIdent(checked);
    const failure = compiled.rowFailure(GATE_ROWS);
    if (failure !== undefined) {
      await this.engine.run(
        `CREATE OR REPLACE TEMP TABLE ${table} AS WITH ${GATE_ROWS} AS (SELECT * FROM ${table} WHERE aq_reason IS NULL)
         SELECT * EXCLUDE (aq_gate) REPLACE (
           CASE WHEN aq_reason IS NULL AND aq_gate IS NOT NULL THEN ${quoteLiteral(QuarantineReason.EXPECTATION_FAILED)} ELSE aq_reason END AS aq_reason,
           CASE WHEN aq_reason IS NULL AND aq_gate IS NOT NULL THEN aq_gate ELSE aq_message END AS aq_message)
         FROM (SELECT *, CASE WHEN aq_reason IS NULL THEN ${failure} END AS aq_gate FROM ${table})`,
      );
    }
    const pending = Number((await this.engine.query(`SELECT count(*) AS n FROM ${table} WHERE ${fresh}`))[0]?.['n'] ?? 0);
    if (pending === 0) return [];
    const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
    return judgeBatch(
      this.engine,
      compiled,
      `SELECT ${columns} FROM ${table} WHERE aq_reason IS NULL AND ${fresh}`,
      fields,
      `a batch for ${this.location}`,
      this.location,
    );
  }

  /** Counts per value of a field of the records' source positions (such as the HTTP request id). */
  private async groupCounts(checked: string, field: string): Promise<Map<string, { accepted: number; quarantined: number }>> {
    const rows = await this.engine.query(
      `SELECT json_extract_string(aq_source, ${quoteLiteral(`$.${field}`)}) AS g, count(*) FILTER (WHERE aq_reason IS NULL) AS good, count(*) FILTER (WHERE aq_reason IS NOT NULL) AS bad FROM ${quoteIdent(checked)} GROUP BY g`,
    );
    return new Map(rows.map((r) => [String(r['g']), { accepted: Number(r['good']), quarantined: Number(r['bad']) }]));
  }

  /** Append rows (`reason`, `message`, `source` JSON, `payload`) to the quarantine, idempotently with the batch's positions. */
  async quarantine(
    rowsSql: string,
    positions: readonly AppTransaction[] | { txn: readonly AppTransaction[]; domains: readonly DomainMetadata[] },
    table?: DeltaTable,
    signal?: AbortSignal,
  ): Promise<number> {
    const { txn, domains } = Array.isArray(positions)
      ? { txn: positions as readonly AppTransaction[], domains: [] }
      : (positions as { txn: readonly AppTransaction[]; domains: readonly DomainMetadata[] });
    const quarantine = table ?? (await openQuarantine(this.location, this.engine, {}, this.options.stores));
    const target = quoteLiteral(path.basename(this.location));
    const written = await quarantine.append(
      {
        sql: `SELECT uuid()::VARCHAR AS record_id, now() AS quarantined_at, ${target} AS target_table, reason, message,
                COALESCE(json_extract_string(source, '$.kind'), 'unknown') AS source_kind, source, payload FROM (${rowsSql})`,
      },
      { txn, domains, ...(signal === undefined ? {} : { signal }) },
    );
    // Skipped when its positions were committed before (a batch retried after a crash).
    return written.skipped ? 0 : written.rows;
  }

  /**
   * A new quarantine keeps idempotency keys as long as its table does: an
   * idempotency key must expire from both, or a key reused after the window would find
   * its bad records already quarantined.
   */
  private quarantineProperties(snapshot: Snapshot | undefined): Record<string, string> {
    const create = this.options.createIfMissing;
    const retention =
      snapshot === undefined
        ? create === undefined || create === false
          ? undefined
          : create.properties?.[IDEMPOTENCY_KEY_RETENTION_PROPERTY]
        : snapshot.configuration[IDEMPOTENCY_KEY_RETENTION_PROPERTY];
    return retention === undefined ? {} : { [IDEMPOTENCY_KEY_RETENTION_PROPERTY]: retention };
  }

  private async hasObjects(stage: string): Promise<boolean> {
    const rows = await this.engine.query(
      `SELECT count(*) AS n FROM ${quoteIdent(stage)} WHERE CASE WHEN json_valid(aq_raw) THEN json_type(aq_raw) = 'OBJECT' ELSE false END`,
    );
    return Number(rows[0]?.['n'] ?? 0) > 0;
  }

  /** Quarantine every staged record (none is a JSON object), with the batch's positions. */
  private async quarantineOnly(
    stage: string,
    txns: readonly AppTransaction[],
    groupBy: string | undefined,
    staged: { rejects: boolean },
    signal: AbortSignal | undefined,
    verify: ((snapshot: Snapshot) => void) | undefined,
  ): Promise<BatchResult> {
    const checked = tempName('checked');
    await this.engine.run(`CREATE TEMP TABLE ${quoteIdent(checked)} AS ${jsonRecordChecks(quoteIdent(stage), { kind: 'struct', fields: [] }, {}, staged)}`);
    try {
      signal?.throwIfAborted();
      const quarantineTable = await openQuarantine(this.location, this.engine, this.quarantineProperties(undefined), this.options.stores);
      const quarantineSnapshot = await quarantineTable.snapshot();
      verify?.(quarantineSnapshot);
      const reached = await this.engine.query(`SELECT aq_app, max(aq_pos) AS pos FROM ${quoteIdent(checked)} WHERE aq_app IS NOT NULL GROUP BY aq_app`);
      const done = (app: string) => quarantineSnapshot.txnVersion(app) ?? -1;
      const fresh =
        reached.length === 0
          ? 'TRUE'
          : `(aq_app IS NULL OR aq_pos > CASE aq_app ${reached.map((r) => `WHEN ${quoteLiteral(String(r['aq_app']))} THEN ${done(String(r['aq_app']))}`).join(' ')} ELSE -1 END)`;
      const rows = quarantinedRows(quoteIdent(checked), fresh);
      const candidates = Number((await this.engine.query(`SELECT count(*) AS n FROM (${rows})`))[0]?.['n'] ?? 0);
      const txn = [
        ...txns,
        ...reached.filter((r) => Number(r['pos']) > done(String(r['aq_app']))).map((r) => ({ appId: String(r['aq_app']), version: Number(r['pos']) })),
      ];
      const quarantined = candidates > 0 ? await this.quarantine(rows, txn, quarantineTable, signal) : 0;
      const result: BatchResult = { version: -1, accepted: 0, quarantined, skipped: quarantined === 0 };
      if (groupBy !== undefined) result.groups = await this.groupCounts(checked, groupBy);
      return result;
    } finally {
      await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(checked)}`);
    }
  }

  /** Create the table with the schema inferred from the batch's JSON objects. */
  private async createFromJson(stage: string, signal: AbortSignal | undefined): Promise<Snapshot> {
    const schema = await inferJsonSchema(this.engine, stage, tempName('infer'));
    signal?.throwIfAborted();
    return this.createTable(schema);
  }

  /** Create the table with this schema (or open it, when a concurrent writer created it first). */
  async createTable(schema: StructType): Promise<Snapshot> {
    const create = this.options.createIfMissing;
    if (create === undefined || create === false) throw new TableNotFoundError(this.location);
    try {
      await DeltaTable.create(this.location, {
        engine: this.engine,
        stores: this.options.stores,
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
