import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import { withoutJobRuns } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, openOrCreateTable, TableNotFoundError, TableOnFirstUse } from '../table/index.js';
import { AUDIT_LOG_SCHEMA, type AuditEntry, type AuditPrincipalKind, type AuditWrite } from './audit-entry.js';

export interface AuditLogFilter {
  /** Entries naming this table, or that wrote it. */
  table?: string;
  /** Entries at or after this time. */
  since?: Date;
  /** Entries of this token id or OS user. */
  principal?: string;
  /** At most this many, the newest (100 by default). */
  limit?: number;
}

export const DEFAULT_AUDIT_LIMIT = 100;

/**
 * The project's audit log: one row per server request and CLI write, in a Delta table of its
 * own at `.aquifer/audit` beside the lineage log, so it is versioned, queryable by any engine,
 * and deleted from by retention like any table. Appends are blind (no sequence): entries are
 * ordered by their time, and concurrent writers (the server, a command) never conflict.
 */
export class AuditLog {
  private readonly table = new TableOnFirstUse(() =>
    openOrCreateTable(this.location, this.engine, AUDIT_LOG_SCHEMA, {
      stores: this.project.stores,
      description: 'Audit: every server request and CLI write of the project (who, what, when, result)',
    }),
  );

  private constructor(
    readonly location: string,
    private readonly engine: Engine,
    private readonly project: Project,
  ) {}

  static forProject(project: Project, engine: Engine): AuditLog {
    return new AuditLog(auditLogLocation(project), engine, project);
  }

  /** Append the entries in one commit. Its own commit is no job run: the log is not its own lineage. */
  async append(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await withoutJobRuns(async () => {
      const table = await this.table.get();
      // Staged through DuckDB's appender: no file of rows, no escaping of values.
      const staged = `aquifer_audit_${randomUUID().replaceAll('-', '')}`;
      await this.engine.createTempTable(staged, STAGED_COLUMNS, entries.map(stagedRow));
      try {
        await table.append({
          sql: `SELECT make_timestamptz(time_us) AS time, source, principal, principal_kind, role, action, "table", asset, model,
                       CAST(status AS INTEGER) AS status, error_code, duration_us / 1000.0 AS duration_ms, version, "rows", writes
                FROM ${quoteIdent(staged)} ORDER BY position`,
        });
      } finally {
        await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(staged)}`);
      }
      // Appended to in small commits for as long as a server runs: the log compacts itself as it
      // goes (Delta's auto compaction), so its files and checkpoints stay few. The entries are
      // committed already; a compaction that fails is only logged, and a later append tries again.
      try {
        await table.compactSmallFiles();
      } catch (error) {
        log.warn({ err: error, location: this.location }, 'audit: compacting the log failed; a later append tries again');
      }
    });
  }

  /** The entries matching the filter, newest first. Reading creates nothing. */
  async list(filter: AuditLogFilter = {}): Promise<AuditEntry[]> {
    return withoutJobRuns(async () => {
      const table = await this.openExisting();
      if (table === undefined) return [];
      const where: string[] = [];
      if (filter.since !== undefined) where.push(`time >= ${quoteLiteral(filter.since.toISOString())}::TIMESTAMPTZ`);
      if (filter.principal !== undefined) where.push(`principal = ${quoteLiteral(filter.principal)}`);
      if (filter.table !== undefined) {
        const name = quoteLiteral(filter.table);
        where.push(`("table" = ${name} OR coalesce(list_contains(json_extract_string(writes, '$[*].table'), ${name}), false))`);
      }
      const scan = await table.scan(where.length === 0 ? {} : { where: where.join(' AND ') });
      const limit = Math.max(0, Math.floor(filter.limit ?? DEFAULT_AUDIT_LIMIT));
      const rows = await this.engine.queryJson(
        `SELECT epoch_us(time) AS time_us, * EXCLUDE (time) FROM (${await scan.sql()}) ORDER BY time DESC LIMIT ${limit}`,
      );
      return rows.map(entryOf);
    });
  }

  /** The log's table if anything was ever appended. */
  private async openExisting(): Promise<DeltaTable | undefined> {
    const table = await DeltaTable.open(this.location, { engine: this.engine, stores: this.project.stores });
    try {
      await table.snapshot();
      return table;
    } catch (error) {
      if (error instanceof TableNotFoundError) return undefined;
      throw error;
    }
  }
}

/** Where a project's audit log lives: `.aquifer/audit`, with the project's other records. */
export function auditLogLocation(project: Project): string {
  return path.join(project.root, '.aquifer', 'audit');
}

const STAGED_COLUMNS = [
  { name: 'position', type: 'BIGINT' },
  { name: 'time_us', type: 'BIGINT' },
  { name: 'source', type: 'VARCHAR' },
  { name: 'principal', type: 'VARCHAR' },
  { name: 'principal_kind', type: 'VARCHAR' },
  { name: 'role', type: 'VARCHAR' },
  { name: 'action', type: 'VARCHAR' },
  { name: 'table', type: 'VARCHAR' },
  { name: 'asset', type: 'VARCHAR' },
  { name: 'model', type: 'VARCHAR' },
  { name: 'status', type: 'BIGINT' },
  { name: 'error_code', type: 'VARCHAR' },
  { name: 'duration_us', type: 'BIGINT' },
  { name: 'version', type: 'BIGINT' },
  { name: 'rows', type: 'BIGINT' },
  { name: 'writes', type: 'VARCHAR' },
] as const;

function stagedRow(entry: AuditEntry, position: number): (string | bigint | number | null)[] {
  return [
    BigInt(position),
    BigInt(entry.time.getTime()) * 1000n,
    entry.source,
    entry.principal,
    entry.principalKind,
    entry.role ?? null,
    entry.action,
    entry.table ?? null,
    entry.asset ?? null,
    entry.model ?? null,
    BigInt(entry.status),
    entry.errorCode ?? null,
    BigInt(Math.max(0, Math.round(entry.durationMs * 1000))),
    entry.version === undefined ? null : BigInt(entry.version),
    entry.rows === undefined ? null : BigInt(entry.rows),
    entry.writes === undefined || entry.writes.length === 0 ? null : JSON.stringify(entry.writes),
  ];
}

function entryOf(row: Record<string, unknown>): AuditEntry {
  const text = (key: string) => (row[key] === null || row[key] === undefined ? undefined : String(row[key]));
  const num = (key: string) => (row[key] === null || row[key] === undefined ? undefined : Number(row[key]));
  const entry: AuditEntry = {
    time: new Date(Math.floor(Number(row['time_us']) / 1000)),
    source: text('source') === 'cli' ? 'cli' : 'server',
    principal: text('principal') ?? '',
    principalKind: (text('principal_kind') ?? 'unauthenticated') as AuditPrincipalKind,
    action: text('action') ?? '',
    status: num('status') ?? 0,
    durationMs: num('duration_ms') ?? 0,
  };
  const optional = { role: text('role'), table: text('table'), asset: text('asset'), model: text('model'), errorCode: text('error_code') };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) Object.assign(entry, { [key]: value });
  const version = num('version');
  const rows = num('rows');
  if (version !== undefined) entry.version = version;
  if (rows !== undefined) entry.rows = rows;
  const writes = text('writes');
  if (writes !== undefined) entry.writes = JSON.parse(writes) as AuditWrite[];
  return entry;
}
