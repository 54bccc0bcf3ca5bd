import path from 'node:path';
import { quoteLiteral, type Engine } from '../engine/index.js';
import { withoutJobRuns } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, field, openOrCreateTable, primitive, struct, TableNotFoundError, type StructType } from '../table/index.js';
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
  /** The next sequence number and the table version it was computed at. */
  private next: { sequence: number; version: number } | undefined;

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
      const snapshot = await table.snapshot();
      // Another writer (the server, another command) may have appended since: count from what is there then.
      if (this.next === undefined || this.next.version !== snapshot.version) {
        const rows = await this.engine.queryJson(
          `SELECT max(sequence) AS last FROM (${await (await table.scan({ version: snapshot.version, columns: ['sequence'] })).sql()})`,
        );
        const last = rows[0]?.['last'];
        this.next = { sequence: last === null || last === undefined ? 0 : Number(last) + 1, version: snapshot.version };
      }
      const first = this.next.sequence;
      const result = await table.append({
        rows: events.map((event, index) => ({
          sequence: first + index,
          event_time: event.eventTime,
          event_type: event.eventType,
          run_id: event.run.runId,
          job_namespace: event.job.namespace,
          job_name: event.job.name,
          event: JSON.stringify(event),
        })),
      });
      this.next = { sequence: first + events.length, version: result.version };
    });
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
