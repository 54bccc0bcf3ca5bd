import { judgedInputs, type VersionLookup } from './asset-status.js';
import type { ResolvedAsset } from './pipeline.js';

/** What a sensor makes of an asset's upstream tables on one tick. */
export interface SensorReading {
  /** The current version of each upstream table that exists. */
  current: Record<string, number>;
  /** Upstream tables with a version newer than both the last successful run read and the sensor last saw. */
  moved: string[];
  /** The sensor had nothing to compare with (first look at an asset that never ran): it only remembers. */
  firstLook: boolean;
}

/**
 * Compare each upstream table's current version with the newer of two baselines: the version
 * the asset's last successful (whole) run read, and the version the sensor last acted on. A
 * table is moved when its version passed its baseline; a table with no baseline is only
 * remembered. So commits made while the scheduler was down still run the asset after a
 * restart (the run history is the baseline), and a failed run is not relaunched every tick
 * for the same commit (the sensor's memory is).
 */
export async function readSensor(
  asset: ResolvedAsset,
  lastSuccessInputs: Readonly<Record<string, number>> | undefined,
  seen: Readonly<Record<string, number>> | undefined,
  versions: VersionLookup,
): Promise<SensorReading> {
  const current: Record<string, number> = {};
  const moved: string[] = [];
  // An ingest asset's files count as an input: a file landing moves it (the number not loaded yet).
  for (const table of judgedInputs(asset)) {
    const version = await versions(table, asset);
    if (version === undefined) continue;
    current[table] = version;
    // Files pending are a count that falls when a run loads them, not a version that only grows: a file that
    // landed while a run loaded others leaves a count below what the sensor saw, still pending.
    if (table.startsWith('files:')) {
      if (version > 0 && (seen?.[table] === undefined || version !== seen[table])) moved.push(table);
      continue;
    }
    const baselines = [lastSuccessInputs?.[table], seen?.[table]].filter((v): v is number => v !== undefined);
    if (baselines.length > 0 && version > Math.max(...baselines)) moved.push(table);
  }
  return { current, moved, firstLook: lastSuccessInputs === undefined && seen === undefined };
}
