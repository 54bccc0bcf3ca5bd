import { quarantineLocation } from '../../ingest/index.js';
import { DeltaTable, TableNotFoundError } from '../../table/index.js';
import type { QuarantineRateMonitor } from '../monitors/definition.js';
import { durationMs } from '../monitors/duration.js';
import type { CheckContext, CheckOutcome } from './check.js';
import { rowsPerCommit } from './commit-rows.js';

export const DEFAULT_QUARANTINE_WINDOW = '1d';

/**
 * Rows quarantined over rows offered (quarantined + committed to the table) in the trailing
 * window, against `maxShare`. Quarantined rows are counted in the table's quarantine
 * (`<table>__quarantine`) by `quarantined_at`; committed rows from the table's log. A table
 * never quarantined into has no quarantine yet: nothing was quarantined.
 */
export async function checkQuarantineRate(monitor: QuarantineRateMonitor, context: CheckContext): Promise<CheckOutcome> {
  const window = monitor.window ?? DEFAULT_QUARANTINE_WINDOW;
  const since = context.now - (durationMs(window) as number);
  const snapshot = await context.table.snapshot();
  const committed = (await rowsPerCommit(context.table, { since })).commits.filter((c) => c.timestamp <= context.now).reduce((sum, c) => sum + c.rows, 0);
  const quarantined = await quarantinedSince(context, since);
  const offered = committed + quarantined;
  const share = offered === 0 ? 0 : quarantined / offered;
  return {
    status: share > monitor.maxShare ? 'breach' : 'ok',
    value: share,
    threshold: monitor.maxShare,
    tableVersion: snapshot.version,
    details: { window, since: new Date(since).toISOString(), quarantined, committed, offered },
  };
}

async function quarantinedSince(context: CheckContext, since: number): Promise<number> {
  const quarantine = await DeltaTable.open(quarantineLocation(context.table.location), { engine: context.engine, stores: context.project.stores });
  try {
    const { sql } = await (await quarantine.scan()).plan();
    const [row] = await context.engine.query(
      `SELECT count(*) AS n FROM (${sql}) WHERE epoch_ms(quarantined_at) >= ${since} AND epoch_ms(quarantined_at) <= ${context.now}`,
    );
    return Number(row?.['n'] ?? 0);
  } catch (error) {
    if (error instanceof TableNotFoundError) return 0;
    throw error;
  } finally {
    quarantine.close();
  }
}
