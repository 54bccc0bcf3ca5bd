import { isAquiferError } from '../../errors.js';
import type { Asset } from '../definition.js';
import { AssetDefinitionInvalidError, AssetReferenceUnknownError } from '../errors.js';
import type { DependencyContext } from './dependencies.js';

type MonitorAsset = Extract<Asset, { kind: 'monitor' }>;

/**
 * Monitors, loaded when a monitor asset is met: the monitor capability itself runs assets
 * (its `run_asset` action), so each side loads the other only on use.
 */
export const monitors = () => import('../../monitor/index.js');

/**
 * What a monitor asset reads: the table its monitor watches (and a drift monitor's reference
 * table when it names another); for a model drift monitor, the model's asset when the pipeline
 * trains that model, else the model's prediction log. A monitor the project does not define is
 * ASSET_REFERENCE_UNKNOWN, one whose file is invalid ASSET_DEFINITION_INVALID, so plan and apply
 * refuse either.
 */
export async function monitorReads(asset: MonitorAsset, context: DependencyContext): Promise<string[]> {
  const name = asset.monitor ?? asset.name;
  const { readMonitors } = await monitors();
  let monitor;
  try {
    [monitor] = await readMonitors(context.project, [name]);
  } catch (error) {
    if (isAquiferError(error) && error.code === 'MONITOR_NOT_FOUND') throw new AssetReferenceUnknownError(asset.name, 'monitor', name, 'monitors/');
    // Named as the pipeline's problem, so plan shows it beside the graph and apply refuses.
    if (isAquiferError(error) && error.code === 'MONITOR_DEFINITION_INVALID')
      throw new AssetDefinitionInvalidError(asset.file, `${asset.name}.monitor`, `names a monitor whose file is invalid (${error.message})`);
    throw error;
  }
  if (monitor === undefined) throw new AssetReferenceUnknownError(asset.name, 'monitor', name, 'monitors/');
  if (monitor.kind === 'model_drift') {
    const trained = context.assets.find((a) => a.kind === 'model' && (a.model ?? a.name) === monitor.model);
    return [trained?.name ?? monitor.table];
  }
  const reads = [monitor.table];
  if (monitor.kind === 'drift' && monitor.reference.table !== undefined && monitor.reference.table !== monitor.table) reads.push(monitor.reference.table);
  return reads;
}
