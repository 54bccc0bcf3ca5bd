import { quoteIdent, type Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { versionLookup } from '../asset-status.js';
import { AssetUpstreamMissingError } from '../errors.js';
import type { ResolvedAsset } from '../pipeline.js';
import { currentVersion, openProjectTable } from '../project-tables.js';
import type { AssetRunStore } from '../run-store.js';
import type { StepLog } from '../run-series.js';

/** What a kind's run is given: the asset, the partition asked for, and `inputs` to record each version it reads as it reads it. */
export interface KindContext {
  project: Project;
  engine: Engine;
  store: AssetRunStore;
  asset: ResolvedAsset;
  partition: string | undefined;
  /** The version of each input read, by name, filled in as the run reads (kept on the run even when it fails). */
  inputs: Record<string, number>;
  now: Date;
  /** Keeps a line in the run's log (a monitor's verdict, say); absent where no run records it. */
  log?: StepLog;
}

/**
 * Pin one input at its current version and record it: a table's version, or for an asset
 * without a table (a feature view, a model) the output version of its newest successful run.
 * An input that has none yet is ASSET_UPSTREAM_MISSING.
 */
export async function pinInput(context: KindContext, name: string): Promise<number> {
  const version = await versionLookup(context.project, context.engine, context.store)(name, context.asset);
  if (version === undefined) throw new AssetUpstreamMissingError(context.asset.name, name);
  context.inputs[name] = version;
  return version;
}

/**
 * Every table input of the asset pinned at its current version, as CTE bindings: each
 * input's name bound to its Delta scan at that version, so SQL over the tables by name reads
 * exactly the versions recorded. `only` limits the bindings to the tables a query reads.
 */
export async function bindTables(context: KindContext, only?: readonly string[]): Promise<{ name: string; sql: string }[]> {
  const bindings: { name: string; sql: string }[] = [];
  for (const dependency of context.asset.dependsOn) {
    if (only !== undefined && !only.some((n) => n.toLowerCase() === dependency.toLowerCase())) continue;
    // Recorded by its run's version; SQL reads its table (a training set's) at the latest version, if it has one.
    if (context.asset.runVersioned.includes(dependency)) {
      await pinInput(context, dependency);
      const table = await currentVersion(context.project, context.engine, dependency);
      if (table !== undefined)
        bindings.push({
          name: dependency,
          sql: await (await (await openProjectTable(context.project, context.engine, dependency)).scan({ version: table })).sql(),
        });
      continue;
    }
    const version = await pinInput(context, dependency);
    const scan = await (await openProjectTable(context.project, context.engine, dependency)).scan({ version });
    bindings.push({ name: dependency, sql: await scan.sql() });
  }
  return bindings;
}

/** `WITH a AS (…), b AS (…)` in front of a query (which may have CTEs of its own), or nothing. */
export function withBindings(bindings: readonly { name: string; sql: string }[], query: string): string {
  return `${bindings.length === 0 ? '' : `WITH ${bindings.map((b) => `${quoteIdent(b.name)} AS (${b.sql})`).join(',\n')}\n`}SELECT * FROM (\n${query}\n) AS asset_result`;
}
