import { quoteIdent } from '../../engine/index.js';
import { DeltaTable } from '../../table/index.js';
import { driftReport, type ColumnDriftOptions } from '../drift/drift-report.js';
import type { DriftMethodName } from '../drift/methods.js';
import { tableRelation, type DriftRelation } from '../drift/relation.js';
import type { DriftMonitor } from '../monitors/definition.js';
import { durationMs } from '../monitors/duration.js';
import type { CheckContext, CheckOutcome } from './check.js';

/**
 * The existing drift report (Evidently's methods, in DuckDB) of the monitored table (the
 * current data: a version, a filter, the last `last` by `timeColumn`) against the reference;
 * a breach when the dataset drifted. Each column's method, value and verdict are kept.
 */
export async function checkDrift(monitor: DriftMonitor, context: CheckContext): Promise<CheckOutcome> {
  const current = monitor.current ?? {};
  const currentWhere = [monitor.where, current.where];
  if (current.last !== undefined && current.timeColumn !== undefined) {
    const since = context.now - (durationMs(current.last) as number);
    currentWhere.push(`epoch_ms(${quoteIdent(current.timeColumn)}::TIMESTAMP) >= ${since}`);
  }
  const referenceTable =
    monitor.reference.table === undefined
      ? context.table
      : await DeltaTable.open(context.project.tableLocation(monitor.reference.table, { internal: true }), {
          engine: context.engine,
          stores: context.project.stores,
        });
  const currentSnapshot = await context.table.snapshot(current.version === undefined ? {} : { version: current.version });
  let reference: DriftRelation;
  try {
    // Named as the project knows them: the results and the webhook's payload carry no paths.
    reference = await tableRelation(referenceTable, {
      name: monitor.reference.table ?? monitor.table,
      ...(monitor.reference.version === undefined ? {} : { version: monitor.reference.version }),
      ...whereOption([monitor.reference.where]),
    });
  } finally {
    if (referenceTable !== context.table) referenceTable.close();
  }
  const currentRelation = await tableRelation(context.table, { name: monitor.table, version: currentSnapshot.version, ...whereOption(currentWhere) });
  const perColumn: Record<string, ColumnDriftOptions> = {};
  for (const [column, options] of Object.entries(monitor.perColumn ?? {})) {
    perColumn[column] = {
      ...(options.method === undefined ? {} : { method: options.method as DriftMethodName }),
      ...(options.threshold === undefined ? {} : { threshold: options.threshold }),
    };
  }
  const report = await driftReport(context.engine, {
    reference,
    current: currentRelation,
    perColumn,
    ...(monitor.columns === undefined ? {} : { columns: monitor.columns }),
    ...(monitor.driftShare === undefined ? {} : { driftShare: monitor.driftShare }),
  });
  const columns = report.columns.map(({ column, type, method, threshold, value, drifted }) => ({ column, type, method, threshold, value, drifted }));
  return {
    status: report.dataset.drifted ? 'breach' : 'ok',
    value: report.dataset.drifted_share,
    threshold: report.dataset.drift_share,
    tableVersion: currentSnapshot.version,
    details: {
      reference: report.reference,
      current: report.current,
      dataset: report.dataset,
      columns,
      skipped: report.skipped,
    },
    columns: columns.map(({ column, method, value, drifted }) => ({ column, method, value, drifted })),
  };
}

/** The filters that are given, joined with AND; none: no option. */
function whereOption(filters: readonly (string | undefined)[]): { where?: string } {
  const given = filters.filter((f): f is string => f !== undefined);
  return given.length === 0 ? {} : { where: given.map((f) => `(${f})`).join(' AND ') };
}
