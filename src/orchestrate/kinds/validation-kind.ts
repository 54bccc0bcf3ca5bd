import { readSuite, validateAndRecord } from '../../quality/index.js';
import { AssetValidationFailedError } from '../errors.js';
import type { Asset } from '../definition.js';
import { openProjectTable } from '../project-tables.js';
import { pinInput, type KindContext } from './context.js';

type ValidationAsset = Extract<Asset, { kind: 'validation' }>;

/**
 * A validation asset: the suite validated on the table at its current version, the outcome
 * kept as `aquifer quality validate` keeps it (_quality_results, _quality_failures). An
 * unmet expectation fails the run (ASSET_VALIDATION_FAILED), so what depends on it does not
 * run. Returns the table version validated.
 */
export async function runValidationAsset(context: KindContext, asset: ValidationAsset): Promise<number> {
  const { project, engine } = context;
  for (const dependency of context.asset.dependsOn) await pinInput(context, dependency);
  const version = context.inputs[context.asset.dependsOn[0] as string] as number;
  const suite = await readSuite(project, asset.suite);
  const table = await openProjectTable(project, engine, context.asset.dependsOn[0] as string);
  const recorded = await validateAndRecord(project, table, suite, { version, tableName: asset.table, project: project.root });
  const failed = recorded.result.results.filter((r) => !r.success).map((r) => r.expectation_config.type);
  if (failed.length > 0) throw new AssetValidationFailedError(asset.name, asset.suite, asset.table, failed);
  return version;
}
