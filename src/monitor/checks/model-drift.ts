import { modelDriftReport } from '../model/model-drift.js';
import type { ModelDriftMonitor } from '../monitors/definition.js';
import { durationMs } from '../monitors/duration.js';
import type { CheckContext, CheckOutcome } from './check.js';

/** The default window of logged predictions a model drift monitor judges. */
export const DEFAULT_MODEL_DRIFT_WINDOW = '1d';

/**
 * `modelDriftReport` of the watched version over its predictions of the last `last` (a day by
 * default) against its training set: a breach when the dataset drifted (features and the
 * prediction together, by `driftShare`). Each column's value is kept, as a drift monitor's.
 */
export async function checkModelDrift(monitor: ModelDriftMonitor, context: CheckContext): Promise<CheckOutcome> {
  const since = new Date(context.now - (durationMs(monitor.last ?? DEFAULT_MODEL_DRIFT_WINDOW) as number));
  const report = await modelDriftReport(context.project, context.engine, {
    model: monitor.model,
    since,
    until: new Date(context.now),
    ...(monitor.version === undefined ? {} : { version: monitor.version }),
    ...(monitor.columns === undefined ? {} : { columns: monitor.columns }),
    ...(monitor.driftShare === undefined ? {} : { driftShare: monitor.driftShare }),
    ...(monitor.task === undefined ? {} : { task: monitor.task }),
  });
  const columns = report.columns.map(({ column, type, method, threshold, value, drifted }) => ({ column, type, method, threshold, value, drifted }));
  const snapshot = await context.table.snapshot();
  return {
    status: report.dataset.drifted ? 'breach' : 'ok',
    value: report.dataset.drifted_share,
    threshold: report.dataset.drift_share,
    tableVersion: snapshot.version,
    details: { model: report.model, reference: report.reference, current: report.current, dataset: report.dataset, columns, skipped: report.skipped },
    columns: columns.map(({ column, method, value, drifted }) => ({ column, method, value, drifted })),
  };
}
