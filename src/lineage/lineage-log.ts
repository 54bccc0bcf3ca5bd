import path from 'node:path';
import { quoteLiteral, type Engine } from '../engine/index.js';
import { withoutJobRuns } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, field, openOrCreateTable, primitive, struct, CommitConflictError, TableNotFoundError, type StructType } from '../table/index.js';
import type { OpenLineageRunEvent } from './openlineage.js';

/** The log's columns: what filters need as columns, and the event itself as the text a consumer is sent. */
export const LINEAGE_LOG_SCHEMA: StructType = struct([
  field('sequence', primitive('long'), false),
  field('event_time', primitive('timestamp'), false),
  field('event_type', primitive('string'), false),
  field('run_id', primitive('string'), false),
  field('job_namespace', primitive('string'), false),
  field('job_name', primitive('string'), false),
  /** The event's JSON exactly as an OpenLineage endpoint is sent it. */
  field('event', primitive('string'), false),
]);

/** The application transaction each append commits with, its version the last sequence number appended. */
const SEQUENCE_APP_ID = 'aquifer.lineage';
const MAX_APPEND_ATTEMPTS = 20;

export interface LineageLogFilter {
  /** Events at or after this time. */
  since?: Date;
  runId?: string;
  /** The job's name (its namespace is the project's). */
  job?: string;
}

/**
 * The project's lineage: every run event, in a Delta table of its own, so lineage is
 * versioned and queryable like any table. It lives in `.aquifer/lineage` beside the
 * project's other metadata (for S3 projects too: lineage is the project's record, not data).
 */
export class LineageLog {
  private table: Promise<DeltaTable> | undefined;

  private constructor(
    readonly location: string,
    private readonly engine: Engine,
    private readonly project: Project,
  ) {}

  static forProject(project: Project, engine: Engine): LineageLog {
    return new LineageLog(path.join(project.root, '.aquifer', 'lineage'), engine, project);
  }

  /** Append the events in one commit, numbered after every event already logged. */
  async append(events: readonly OpenLineageRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    await withoutJobRuns(async () => {
      const table = await this.open();
      // Another writer (the server, another command) may append at the same time: its commit
      // carries the same application transaction, so ours conflicts or is skipped, and is
      // numbered again after it.
      for (let attempt = 1; ; attempt++) {
        const { first, version } = await this.nextSequence(table);
        const last = first + events.length - 1;
        try {
          const result = await table.append(
            {
              rows: events.map((event, index) => ({
                sequence: first + index,
                event_time: event.eventTime,
                event_type: event.eventType,
                run_id: event.run.runId,
                job_namespace: event.job.namespace,
                job_name: event.job.name,
                event: JSON.stringify(event),
              })),
            },
            { txn: { appId: SEQUENCE_APP_ID, version: last } },
          );
          if (!result.skipped) return;
        } catch (error) {
          if (!(error instanceof CommitConflictError) || attempt >= MAX_APPEND_ATTEMPTS) throw error;
        }
        if (attempt >= MAX_APPEND_ATTEMPTS)
          throw new CommitConflictError(`The lineage log at ${this.location} kept being appended to by other writers`, {
            version,
            reason: 'CONCURRENT_TRANSACTION',
            appId: SEQUENCE_APP_ID,
          });
      }
    });
  }

  /** The sequence number after the last one logged: the version of the log's application transaction. */
  private async nextSequence(table: DeltaTable): Promise<{ first: number; version: number }> {
    const snapshot = await table.snapshot();
    const at = (first: number) => ({ first, version: snapshot.version });
    const last = snapshot.txnVersion(SEQUENCE_APP_ID);
    if (last !== undefined) return at(last + 1);
    if (snapshot.version === 0) return at(0);
    // The transaction expired from the log (a retention someone set): count from the rows.
    const rows = await this.engine.queryJson(
      `SELECT max(sequence) AS last FROM (${await (await table.scan({ version: snapshot.version, columns: ['sequence'] })).sql()})`,
    );
    const max = rows[0]?.['last'];
    return at(max === null || max === undefined ? 0 : Number(max) + 1);
  }

  /** The logged events matching the filter, in the order they were appended. */
  async events(filter: LineageLogFilter = {}): Promise<OpenLineageRunEvent[]> {
    return (await this.texts(filter)).map((text) => JSON.parse(text) as OpenLineageRunEvent);
  }

  /** The logged events' JSON texts, exactly as stored (and sent), in the order they were appended. */
  async texts(filter: LineageLogFilter = {}): Promise<string[]> {
    return withoutJobRuns(async () => {
      const table = await this.openExisting();
      if (table === undefined) return [];
      const where: string[] = [];
      if (filter.since !== undefined) where.push(`event_time >= ${quoteLiteral(filter.since.toISOString())}::TIMESTAMPTZ`);
      if (filter.runId !== undefined) where.push(`run_id = ${quoteLiteral(filter.runId)}`);
      if (filter.job !== undefined) where.push(`job_name = ${quoteLiteral(filter.job)}`);
      const scan = await table.scan({ columns: ['sequence', 'event'], ...(where.length === 0 ? {} : { where: where.join(' AND ') }) });
      const rows = await this.engine.queryJson(`SELECT event FROM (${await scan.sql()}) ORDER BY sequence`);
      return rows.map((row) => String(row['event']));
    });
  }

  /** The log if anything was ever appended: reading a project's lineage creates nothing. */
  private async openExisting(): Promise<DeltaTable | undefined> {
    if (this.table !== undefined) return this.table;
    const table = await DeltaTable.open(this.location, { engine: this.engine, stores: this.project.stores });
    try {
      await table.snapshot();
      return table;
    } catch (error) {
      if (error instanceof TableNotFoundError) return undefined;
      throw error;
    }
  }

  private open(): Promise<DeltaTable> {
    this.table ??= openOrCreateTable(this.location, this.engine, LINEAGE_LOG_SCHEMA, {
      stores: this.project.stores,
      description: 'Lineage: every OpenLineage run event of the project, as sent',
    }).catch((error: unknown) => {
      this.table = undefined;
      throw error;
    });
    return this.table;
  }
}
