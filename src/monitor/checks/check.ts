import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import type { DeltaTable } from '../../table/index.js';

/** What a check is given: the project, its engine, the monitored table (opened), the time, and what the monitor remembered. */
export interface CheckContext {
  project: Project;
  engine: Engine;
  table: DeltaTable;
  /** Epoch milliseconds: the run's clock (injectable, so tests never sleep). */
  now: number;
  /** What this monitor's previous runs kept (the schema monitor's last schema). */
  memory: Readonly<Record<string, unknown>>;
}

/** One check's verdict. */
export interface CheckOutcome {
  status: 'ok' | 'breach';
  /** The observed value (an age in seconds, rows, a share, ...), null when there is none to show. */
  value: number | null;
  /** What it was held against: a number, or bounds. */
  threshold: number | { min?: number; max?: number } | null;
  /** The table version read. */
  tableVersion: number | null;
  /** Everything else worth keeping (per-column drift values, the schema changes). */
  details: Record<string, unknown>;
  /** Per-column values (a drift monitor's), kept with the last run for `/metrics`. */
  columns?: ColumnValue[];
  /** What to remember for the next run; undefined keeps what was there. */
  memory?: Record<string, unknown>;
}

/** One column's value in a check that judges columns (drift: its method's p-value or distance). */
export interface ColumnValue {
  column: string;
  method: string;
  value: number;
  drifted: boolean;
}
