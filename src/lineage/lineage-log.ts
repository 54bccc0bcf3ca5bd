import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import { log } from '../log.js';
import { withoutJobRuns } from '../observe/index.js';
import type { Project } from '../project/index.js';
import {
  CommitConflictError,
  CommitMissingError,
  DeltaTable,
  field,
  openOrCreateTable,
  TableOnFirstUse,
  primitive,
  Scan,
  struct,
  TableNotFoundError,
  type AddFile,
  type Snapshot,
  type StructType,
} from '../table/index.js';
import { graphRun, type GraphRun } from './graph/index.js';
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
  /**
   * What the lineage graph reads of the event (a GraphRun as JSON, a tenth of the event's
   * size), so a graph is built from this column alone. Null in rows logged before it existed.
   */
  field('graph', primitive('string'), true),
]);

/** The log's column the graph is read from: a log created before it has none until its next append adds it. */
const GRAPH_COLUMN = 'graph';
const COMPLETE = `event_type = 'COMPLETE'`;
/** Past this many new commits, reading them one by one costs more than reading the log again. */
const MAX_TAIL_COMMITS = 1000;

/** The completed runs of the log, in the order they were appended, and the log version they were read at (-1: no log yet). */
export interface LoggedRuns {
  runs: GraphRun[];
  version: number;
  /** The digest of that version's commit (`Snapshot.commitDigest`): with the version, which log this was. */
  digest?: string;
}

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
  private readonly table = new TableOnFirstUse(() =>
    openOrCreateTable(this.location, this.engine, LINEAGE_LOG_SCHEMA, {
      stores: this.project.stores,
      description: 'Lineage: every OpenLineage run event of the project, as sent',
    }),
  );
  private existing: DeltaTable | undefined;

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
      // A log written before the graph column existed gets it with this append (its older rows keep none).
      const evolve = !hasGraphColumn((await table.snapshot()).schema);
      // Another writer (the server, another command) may append at the same time: its commit
      // carries the same application transaction, so ours conflicts or is skipped, and is
      // numbered again after it.
      // Staged once through DuckDB's appender (no JSON file of rows whose events would be escaped
      // and parsed again); each attempt numbers the staged rows from its own first sequence.
      const staged = `aquifer_lineage_${randomUUID().replaceAll('-', '')}`;
      await this.engine.createTempTable(staged, STAGED_COLUMNS, stagedRows(events));
      try {
        for (let attempt = 1; ; attempt++) {
          const { first, version } = await this.nextSequence(table);
          const last = first + events.length - 1;
          try {
            const result = await table.append(
              {
                sql: `SELECT ${first} + position AS sequence, make_timestamptz(time_us) AS event_time, event_type, run_id, job_namespace, job_name, event, graph
                      FROM ${quoteIdent(staged)}`,
              },
              { txn: { appId: SEQUENCE_APP_ID, version: last }, ...(evolve ? { mergeSchema: true } : {}) },
            );
            if (!result.skipped) {
              await compactLog(table);
              return;
            }
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
      } finally {
        await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(staged)}`);
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

  /**
   * Every completed run, as the lineage graph reads it: from the graph column, never parsing
   * whole events, except those of rows logged before that column existed.
   */
  async runs(): Promise<LoggedRuns> {
    return withoutJobRuns(async () => {
      const table = await this.openExisting();
      if (table === undefined) return { runs: [], version: -1 };
      const snapshot = await table.snapshot();
      return { runs: await this.readRuns(snapshot), ...position(snapshot) };
    });
  }

  /** The log's latest version (-1: nothing logged yet); its state is kept, so a `runsAfter` that follows reads only what is newer. */
  async version(): Promise<number> {
    return withoutJobRuns(async () => {
      const table = await this.openExisting();
      return table === undefined ? -1 : (await table.snapshot()).version;
    });
  }

  /**
   * The completed runs logged after `version` (as `runs` returned it), read from the files the
   * later commits added; undefined when those commits did more than append (a delete, a
   * rewrite, commits gone from the log), so the caller reads `runs` again. With the `digest`
   * `runs` gave, also undefined when the log no longer has that commit at that version (it was
   * deleted and created anew, or restored from a copy).
   */
  async runsAfter(version: number, digest?: string): Promise<LoggedRuns | undefined> {
    return withoutJobRuns(async () => {
      const table = await this.openExisting();
      if (table === undefined) return version === -1 ? { runs: [], version } : undefined;
      const snapshot = await table.snapshot();
      if (version < 0 || snapshot.version < version || snapshot.version - version > MAX_TAIL_COMMITS) return undefined;
      if (digest !== undefined && digest !== (snapshot.version === version ? snapshot.commitDigest : await table.commitDigest(version))) return undefined;
      if (snapshot.version === version) return { runs: [], ...position(snapshot) };
      const added: AddFile[] = [];
      for (let v = version + 1; v <= snapshot.version; v++) {
        let actions;
        try {
          actions = await table.commitActions(v);
        } catch (error) {
          if (error instanceof CommitMissingError) return undefined;
          throw error;
        }
        for (const action of actions) {
          if (action.kind === 'remove' && action.remove.dataChange) return undefined;
          // Files a compaction rewrote (dataChange false) hold rows already read.
          if (action.kind === 'add' && action.add.dataChange) added.push(action.add);
        }
      }
      return { runs: added.length === 0 ? [] : await this.readRuns(snapshot, added), ...position(snapshot) };
    });
  }

  /** The graph column's runs of the snapshot's rows (or of the given files of it), in sequence order. */
  private async readRuns(snapshot: Snapshot, files?: readonly AddFile[]): Promise<GraphRun[]> {
    const scan = (columns: string[], where: string) => new Scan(snapshot, this.engine, { columns, where, ...(files === undefined ? {} : { files }) }).sql();
    if (!hasGraphColumn(snapshot.schema)) {
      const rows = await this.engine.queryJson(`SELECT event FROM (${await scan(['sequence', 'event'], COMPLETE)}) ORDER BY sequence`);
      return rows.map((row) => graphRun(JSON.parse(String(row['event'])) as OpenLineageRunEvent));
    }
    // One string and one JSON.parse for all rows: per-row values out of DuckDB cost more than the parse.
    const [summary] = await this.engine.queryJson(
      `SELECT count(*) FILTER (WHERE graph IS NULL) AS missing, '[' || coalesce(string_agg(graph, ',' ORDER BY sequence), '') || ']' AS runs
       FROM (${await scan(['sequence', GRAPH_COLUMN], COMPLETE)})`,
    );
    if (Number(summary?.['missing'] ?? 0) === 0) return JSON.parse(String(summary?.['runs'] ?? '[]')) as GraphRun[];
    // Rows from before the column: their events are parsed (only theirs are read).
    const rows = await this.engine.queryJson(
      `SELECT graph, CASE WHEN graph IS NULL THEN event END AS event FROM (${await scan(['sequence', GRAPH_COLUMN, 'event'], COMPLETE)}) ORDER BY sequence`,
    );
    return rows.map((row) =>
      row['graph'] === null ? graphRun(JSON.parse(String(row['event'])) as OpenLineageRunEvent) : (JSON.parse(String(row['graph'])) as GraphRun),
    );
  }

  /** The log if anything was ever appended: reading a project's lineage creates nothing. Kept, so later reads refresh its snapshot from the log's tail. */
  private async openExisting(): Promise<DeltaTable | undefined> {
    if (this.table.started !== undefined) return this.table.started;
    if (this.existing !== undefined) return this.existing;
    const table = await DeltaTable.open(this.location, { engine: this.engine, stores: this.project.stores });
    try {
      await table.snapshot();
      this.existing = table;
      return table;
    } catch (error) {
      if (error instanceof TableNotFoundError) return undefined;
      throw error;
    }
  }

  private open(): Promise<DeltaTable> {
    return this.table.get();
  }
}

/** The staged rows' columns: the time as epoch microseconds (made an instant in SQL), the position within the append. */
const STAGED_COLUMNS = [
  { name: 'position', type: 'BIGINT' },
  { name: 'time_us', type: 'BIGINT' },
  { name: 'event_type', type: 'VARCHAR' },
  { name: 'run_id', type: 'VARCHAR' },
  { name: 'job_namespace', type: 'VARCHAR' },
  { name: 'job_name', type: 'VARCHAR' },
  { name: 'event', type: 'VARCHAR' },
  { name: 'graph', type: 'VARCHAR' },
] as const;

function* stagedRows(events: readonly OpenLineageRunEvent[]): Generator<(string | bigint)[]> {
  for (const [position, event] of events.entries())
    yield [
      BigInt(position),
      eventMicros(event.eventTime),
      event.eventType,
      event.run.runId,
      event.job.namespace,
      event.job.name,
      JSON.stringify(event),
      JSON.stringify(graphRun(event)),
    ];
}

/** An event time to epoch microseconds, its fraction beyond milliseconds kept (OpenLineage times may carry them). */
function eventMicros(time: string): bigint {
  const millis = Date.parse(time);
  if (Number.isNaN(millis)) throw new Error(`not a time: ${time}`);
  const fraction = /\.(\d+)/.exec(time)?.[1] ?? '';
  const micros = fraction.length > 3 ? Number(fraction.slice(3, 6).padEnd(3, '0')) : 0;
  return BigInt(millis) * 1000n + BigInt(micros);
}

function position(snapshot: Snapshot): { version: number; digest?: string } {
  return snapshot.commitDigest === undefined ? { version: snapshot.version } : { version: snapshot.version, digest: snapshot.commitDigest };
}

function hasGraphColumn(schema: StructType): boolean {
  return schema.fields.some((f) => f.name === GRAPH_COLUMN);
}

/**
 * The log is appended to in small commits (a server's every few hundred milliseconds), so it
 * compacts itself as it goes, as Delta's auto compaction does: its files and checkpoints stay
 * few however long a server runs. The events are committed already, so a compaction that fails
 * is only logged; a later append tries again.
 */
async function compactLog(table: DeltaTable): Promise<void> {
  try {
    await table.compactSmallFiles();
  } catch (error) {
    log.warn({ err: error, location: table.location }, 'lineage: compacting the log failed; a later append tries again');
  }
}
