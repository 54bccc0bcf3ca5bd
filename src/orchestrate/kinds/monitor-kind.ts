import type { Asset } from '../definition.js';
import { AssetMonitorFailedError } from '../errors.js';
import { currentAttemptSignal } from '../run-series.js';
import { pinInput, type KindContext } from './context.js';
import { monitors } from './monitor-reads.js';

type MonitorAsset = Extract<Asset, { kind: 'monitor' }>;

/**
 * A monitor asset: its monitor run now, as `aquifer monitor run NAME` runs it (its row in
 * `_monitor_results`, its alert state moved, its webhook and actions), whatever its `every`.
 * The verdict (`ok` or `breach`) is kept in the run's log; a breach does not fail the run
 * (alerting is the monitor's job), a monitor that could not run (an `error` result, or another
 * process running it) fails it with ASSET_MONITOR_FAILED. Returns the version of the table it
 * judged (the pinned version of its first input when the monitor reports none).
 */
export async function runMonitorAsset(context: KindContext, asset: MonitorAsset): Promise<number> {
  const name = asset.monitor ?? asset.name;
  for (const dependency of context.asset.dependsOn) await pinInput(context, dependency);
  const { runMonitors } = await monitors();
  const signal = currentAttemptSignal();
  const run = await runMonitors(context.project, {
    names: [name],
    engine: context.engine,
    now: context.now,
    ...(signal === undefined ? {} : { signal }),
  });
  if (run.busy.includes(name)) throw new AssetMonitorFailedError(asset.name, name, 'another process is running it');
  const result = run.results[0];
  if (result === undefined) throw new AssetMonitorFailedError(asset.name, name, 'it returned no result');
  if (result.status === 'error') throw new AssetMonitorFailedError(asset.name, name, result.error?.message ?? 'its check failed', result.error);
  await context.log?.(`monitor ${name}: ${result.status}`, {
    monitor: name,
    status: result.status,
    value: result.value,
    threshold: result.threshold,
    alert: result.alert,
    alertState: result.alertState,
    monitorRunId: result.runId,
    ...(result.tableVersion === null ? {} : { tableVersion: result.tableVersion }),
  });
  return result.tableVersion ?? context.inputs[context.asset.dependsOn[0] as string] ?? 0;
}
