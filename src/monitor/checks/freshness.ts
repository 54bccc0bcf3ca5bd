import { quoteIdent } from '../../engine/index.js';
import type { FreshnessMonitor } from '../monitors/definition.js';
import { durationMs } from '../monitors/duration.js';
import type { CheckContext, CheckOutcome } from './check.js';

/**
 * Time since the table's last commit, or (with `timeColumn`) since its newest event time,
 * in seconds, against `maxAge`. A table whose column holds no value has no event time: a breach.
 */
export async function checkFreshness(monitor: FreshnessMonitor, context: CheckContext): Promise<CheckOutcome> {
  const snapshot = await context.table.snapshot();
  const maxAgeSeconds = (durationMs(monitor.maxAge) as number) / 1000;
  let newest: number | null = snapshot.timestamp;
  if (monitor.timeColumn !== undefined) {
    const scan = await context.table.scan({ version: snapshot.version, ...(monitor.where === undefined ? {} : { where: monitor.where }) });
    const { sql } = await scan.plan();
    const [row] = await context.engine.query(`SELECT epoch_ms(max(${quoteIdent(monitor.timeColumn)})::TIMESTAMP) AS newest FROM (${sql})`);
    newest = row?.['newest'] === null || row?.['newest'] === undefined ? null : Number(row['newest']);
  }
  const ageSeconds = newest === null ? null : Math.max(0, (context.now - newest) / 1000);
  return {
    status: ageSeconds === null || ageSeconds > maxAgeSeconds ? 'breach' : 'ok',
    value: ageSeconds,
    threshold: maxAgeSeconds,
    tableVersion: snapshot.version,
    details: {
      measured: monitor.timeColumn === undefined ? 'last commit' : `newest ${monitor.timeColumn}`,
      newest: newest === null ? null : new Date(newest).toISOString(),
      maxAge: monitor.maxAge,
    },
  };
}
