import { sharedEngine } from '../../engine/index.js';
import { isAquiferError, type AquiferError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import { assetGraph, readAssets, renderAssetTree, type AssetGraph } from '../../orchestrate/index.js';

/** What `plan` and `apply` say of the pipelines: the checked graph, or the typed error that names what is wrong. */
export type PipelinePlan = { assets: 0 } | { assets: number; graph: AssetGraph } | { error: AquiferError };

/**
 * Check the project's pipelines (pipelines/*.json) as `aquifer assets graph` does: the
 * schema, duplicates, unknown inputs (tables, feature views, services, suites) and cycles,
 * each a typed error naming the asset. Errors other than Aquifer's are not the pipeline's and are thrown.
 */
export async function planPipelines(project: Project): Promise<PipelinePlan> {
  try {
    const count = (await readAssets(project)).length;
    if (count === 0) return { assets: 0 };
    return { assets: count, graph: await assetGraph(project, { engine: await sharedEngine() }) };
  } catch (error) {
    if (!isAquiferError(error) || !error.code.startsWith('ASSET_')) throw error;
    return { error };
  }
}

/** The text `plan` prints for the pipelines: nothing without any, else the graph or the problem. */
export function describePipelines(plan: PipelinePlan): string {
  if ('error' in plan) return `Pipelines (pipelines/*.json) have a problem; \`apply\` would refuse:\n  ! ${plan.error.code}: ${plan.error.message}`;
  if (!('graph' in plan)) return '';
  const tree = renderAssetTree(plan.graph)
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
  return `Pipelines (pipelines/*.json) are valid: ${plan.assets} asset${plan.assets === 1 ? '' : 's'}:\n${tree}`;
}

/** `--format json`: the graph, or the error. */
export function pipelinesJson(plan: PipelinePlan): Record<string, unknown> {
  if ('error' in plan) return { pipelines: { valid: false, error: plan.error.toJSON() } };
  if (!('graph' in plan)) return {};
  return { pipelines: { valid: true, ...plan.graph } };
}
