import { randomUUID } from 'node:crypto';
import { quoteIdent, type Engine } from '../../engine/index.js';
import type { ColumnSource } from '../../observe/index.js';
import { field, primitive, struct, type DeltaTable, type StructType } from '../../table/index.js';

/** One answered row: what was asked, what the model read and what it said. */
export interface PredictionEntry {
  requestId: string;
  /** The row's place in its request. */
  rowIndex: number;
  time: Date;
  model: string;
  version: string;
  entities: Record<string, unknown>;
  features: Record<string, unknown>;
  prediction: unknown;
  outputs: Record<string, unknown>;
}

/**
 * One request's answered rows as the serving thread has them, for the log to make entries
 * of: handing these over as they are costs the request path less than building an entry
 * (three objects) per row.
 */
export interface PredictedRows {
  requestId: string;
  time: Date;
  model: string;
  version: string;
  /** The rows the model read: entity keys, features, request fields. */
  rows: readonly Readonly<Record<string, unknown>>[];
  entityColumns: readonly string[];
  /** The columns logged as features; every column not an entity key when absent. */
  featureColumns?: readonly string[];
  predictions: ArrayLike<unknown>;
  outputs: Readonly<Record<string, ArrayLike<unknown>>>;
  /** Where the logged entity keys and features come from (feature view columns), sent only while lineage listens. */
  sources?: { entities: readonly ColumnSource[]; features: readonly ColumnSource[] };
}

/** The log entries of a request's rows (only the columns a row has). */
export function predictionEntries(predicted: PredictedRows): PredictionEntry[] {
  const { rows, entityColumns, featureColumns, outputs } = predicted;
  const pick = (row: Readonly<Record<string, unknown>>, columns: readonly string[]) => {
    const picked: Record<string, unknown> = {};
    for (const c of columns) if (c in row) picked[c] = row[c];
    return picked;
  };
  const outputNames = Object.keys(outputs);
  return rows.map((row, i) => {
    const rowOutputs: Record<string, unknown> = {};
    for (const name of outputNames) rowOutputs[name] = (outputs[name] as ArrayLike<unknown>)[i];
    return {
      requestId: predicted.requestId,
      rowIndex: i,
      time: predicted.time,
      model: predicted.model,
      version: predicted.version,
      entities: pick(row, entityColumns),
      features: pick(row, featureColumns ?? Object.keys(row).filter((k) => !entityColumns.includes(k))),
      prediction: predicted.predictions[i],
      outputs: rowOutputs,
    };
  });
}

/**
 * A prediction log's columns. Entity keys, features, predictions and outputs are JSON text,
 * so one table holds any model's values whatever their types (the shape the log had when
 * ingestion inferred it, so older logs take new rows unchanged).
 */
export const PREDICTIONS_SCHEMA: StructType = struct([
  field('request_id', primitive('string')),
  field('row_index', primitive('long')),
  field('time', primitive('timestamp')),
  field('model', primitive('string')),
  field('version', primitive('string')),
  field('entities', primitive('string')),
  field('features', primitive('string')),
  field('prediction', primitive('string')),
  field('outputs', primitive('string')),
]);

/** The appender's columns: the time travels as epoch microseconds, made an instant in SQL. */
const STAGED_COLUMNS = [
  { name: 'request_id', type: 'VARCHAR' },
  { name: 'row_index', type: 'BIGINT' },
  { name: 'time_us', type: 'BIGINT' },
  { name: 'model', type: 'VARCHAR' },
  { name: 'version', type: 'VARCHAR' },
  { name: 'entities', type: 'VARCHAR' },
  { name: 'features', type: 'VARCHAR' },
  { name: 'prediction', type: 'VARCHAR' },
  { name: 'outputs', type: 'VARCHAR' },
] as const;

/** Entries a batch commits at once when it holds, linger or not. */
export const MAX_BATCH_ENTRIES = 20_000;

interface Batch {
  entries: PredictionEntry[];
  /** When its first entry arrived (performance.now()): the batch commits once that one has lingered. */
  since: number;
  done: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export interface PredictionWriterOptions {
  /** How long the first entry of a batch waits for more before the batch is committed (0: at once). */
  lingerMs: number;
  /** Runs each commit (the prediction log makes it a job run); the commit as is by default. */
  around?: (entries: readonly PredictionEntry[], commit: () => Promise<void>) => Promise<void>;
  /**
   * Housekeeping after a commit (the prediction log compacts its small files), run in the
   * background: neither the commit's waiters nor the next commit wait for it, and only one
   * runs at a time. `flush` waits for it; a failure is the callback's to report.
   */
  afterCommit?: () => Promise<void>;
}

/**
 * The group commit of one prediction log: entries wait (at most `lingerMs`, and while the
 * previous commit runs) and are committed together, typed as they are, through DuckDB's
 * appender and one Delta append. No JSON is parsed back and no row is checked again: the
 * values come from the server, not from a client, so ingestion's checked path would only
 * spend the request path's CPU on proving what is already known.
 */
export class PredictionWriter {
  private batch: Batch | undefined;
  private writing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Callers waiting in `flush`: while any is, nothing lingers. */
  private flushing = 0;
  /** The housekeeping running after a commit, if any. */
  private housekeeping: Promise<void> | undefined;

  constructor(
    private readonly table: () => Promise<DeltaTable>,
    private readonly engine: Engine,
    private readonly options: PredictionWriterOptions,
  ) {}

  /** Queue the entries; resolves once the commit holding them is done, rejects if it fails. */
  add(entries: readonly PredictionEntry[]): Promise<void> {
    if (this.batch === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.batch = { entries: [], since: performance.now(), done, resolve, reject };
    }
    this.batch.entries.push(...entries);
    // A batch that grew large enough goes at once: memory stays bounded whatever the linger.
    this.schedule(this.batch.entries.length >= MAX_BATCH_ENTRIES ? 0 : this.options.lingerMs);
    return this.batch.done;
  }

  /** Commit what is queued now, and wait until nothing is queued or being committed. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      while (this.batch !== undefined || this.writing !== undefined || this.housekeeping !== undefined) {
        this.schedule(0);
        await Promise.allSettled([this.writing, this.batch?.done, this.housekeeping]);
      }
    } finally {
      this.flushing--;
    }
  }

  private schedule(delayMs: number): void {
    if (this.writing !== undefined || this.batch === undefined) return;
    if (this.timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => this.write(), delayMs);
  }

  private write(): void {
    this.timer = undefined;
    const batch = this.batch;
    if (batch === undefined || this.writing !== undefined) return;
    this.batch = undefined;
    const around = this.options.around ?? ((_entries, commit) => commit());
    this.writing = around(batch.entries, () => this.commit(batch.entries))
      .then(() => {
        batch.resolve();
        this.tidy();
      }, batch.reject)
      .finally(() => {
        this.writing = undefined;
        // What arrived during the commit waits out the rest of its own linger: under steady load
        // commits come once a linger, not back to back with whatever a commit's time let in.
        const next = this.batch;
        if (next === undefined) return;
        const due = this.flushing > 0 || next.entries.length >= MAX_BATCH_ENTRIES;
        this.schedule(due ? 0 : Math.max(0, this.options.lingerMs - (performance.now() - next.since)));
      });
  }

  private tidy(): void {
    const afterCommit = this.options.afterCommit;
    if (afterCommit === undefined || this.housekeeping !== undefined) return;
    this.housekeeping = afterCommit()
      .catch(() => undefined)
      .finally(() => {
        this.housekeeping = undefined;
      });
  }

  private async commit(entries: readonly PredictionEntry[]): Promise<void> {
    const table = await this.table();
    const staged = `aquifer_predictions_${randomUUID().replaceAll('-', '')}`;
    await this.engine.createTempTable(staged, STAGED_COLUMNS, stagedRows(entries));
    try {
      await table.append({
        sql: `SELECT request_id, row_index, make_timestamptz(time_us) AS time, model, version, entities, features, prediction, outputs FROM ${quoteIdent(staged)}`,
      });
    } finally {
      await this.engine.run(`DROP TABLE IF EXISTS ${quoteIdent(staged)}`);
    }
  }
}

function* stagedRows(entries: readonly PredictionEntry[]): Generator<(string | number | null)[]> {
  for (const e of entries)
    yield [
      e.requestId,
      e.rowIndex,
      e.time.getTime() * 1000,
      e.model,
      e.version,
      JSON.stringify(e.entities),
      JSON.stringify(e.features),
      JSON.stringify(e.prediction ?? null),
      JSON.stringify(e.outputs),
    ];
}
