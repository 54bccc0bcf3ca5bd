import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable } from '../table/index.js';
import { planRetention, type RetentionSkip } from './retention-plan.js';

export interface EnforceRetentionOptions {
  /** Count what is past its period, change nothing. */
  dryRun?: boolean;
  /** The time periods are counted back from (now by default); tests freeze it. */
  now?: Date;
}

/** What retention did to one table. */
export interface RetentionTableResult {
  table: string;
  location: string;
  rules: { source: string; column: string; days: number; cutoff: string }[];
  /** Rows past a period when enforcement began (what a dry run would delete). */
  rowsExpired: number;
  rowsDeleted: number;
  /** The version the delete committed (none when nothing had expired, or in a dry run). */
  version?: number;
  /**
   * The version that rewrote the files holding the deleted rows' deletion vectors (a table
   * with deletion vectors: the delete marks rows, this removes them from the live files).
   */
  rewriteVersion?: number;
  filesRewritten?: number;
}

export interface RetentionReport {
  dryRun: boolean;
  now: string;
  tables: RetentionTableResult[];
  skipped: RetentionSkip[];
}

/**
 * Delete the rows past their retention period from every table a rule applies to: one
 * delete per table (the table layer's: deletion vectors when the table uses them, else a
 * copy-on-write rewrite of the files that held expired rows), then, where deletion vectors
 * were written, a compaction that rewrites those files without the rows, so no live file still
 * holds them. Older versions keep them until a vacuum removes their files (the table's
 * `delta.deletedFileRetentionDuration`); erasure (`aquifer erase`) is the command that removes them at once.
 */
export async function enforceRetention(project: Project, engine: Engine, options: EnforceRetentionOptions = {}): Promise<RetentionReport> {
  const now = options.now ?? new Date();
  const plan = await planRetention(project, engine, now);
  const tables: RetentionTableResult[] = [];
  for (const target of plan.targets) {
    const table = await DeltaTable.open(target.location, { engine, stores: project.stores });
    const scan = await table.scan({ where: target.where });
    const [counted] = await engine.queryJson(`SELECT count(*) AS n FROM (${await scan.sql()}) WHERE ${target.where}`);
    const rowsExpired = Number(counted?.['n'] ?? 0);
    const result: RetentionTableResult = {
      table: target.table,
      location: target.location,
      rules: target.rules.map((r) => ({ source: r.source, column: r.column, days: r.days, cutoff: r.cutoff.toISOString() })),
      rowsExpired,
      rowsDeleted: 0,
    };
    tables.push(result);
    if (options.dryRun === true || rowsExpired === 0) continue;
    const deleted = await table.delete(target.where);
    result.rowsDeleted = deleted.rowsDeleted;
    if (deleted.committed) result.version = deleted.version;
    if (deleted.deletionVectorsAdded > 0) {
      const rewritten = await table.optimize();
      if (rewritten.committed) {
        result.rewriteVersion = rewritten.version;
        result.filesRewritten = rewritten.filesRemoved;
      }
    }
  }
  return { dryRun: options.dryRun === true, now: now.toISOString(), tables, skipped: plan.skipped };
}
