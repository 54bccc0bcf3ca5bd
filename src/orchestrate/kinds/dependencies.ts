import { sqlTableReads, type Engine } from '../../engine/index.js';
import type { FeatureRepository } from '../../features/index.js';
import { isAquiferError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import type { Asset } from '../definition.js';
import { AssetDefinitionInvalidError, AssetReferenceUnknownError } from '../errors.js';

/** What dependency derivation may look at besides the asset: the project's feature definitions (read once, when a kind needs them) and the other assets. */
export interface DependencyContext {
  project: Project;
  engine: Engine;
  assets: readonly Asset[];
  features: () => Promise<FeatureRepository>;
}

/** The feature definitions file, read once per pipeline and only when an asset needs it. */
export function lazyFeatures(project: Project): () => Promise<FeatureRepository> {
  let repository: Promise<FeatureRepository> | undefined;
  // Loaded when first needed: a pipeline of SQL assets never loads the feature store.
  return () => (repository ??= import('../../features/index.js').then((features) => features.readProjectDefinitions(project)));
}

/** Kinds a partition can be run for: the ones that write a table by SQL. */
const PARTITIONED_KINDS = new Set(['sql', 'typescript']);

/**
 * The tables and assets an asset reads, from its definition: a SQL asset's FROM tables, a
 * TypeScript asset's `reads`, a feature view's source table, a training set's entity SQL and
 * its views (each view's asset where the pipeline materializes it, else its source table),
 * a model's training set, a validation's table, a monitor's table (or its model's asset).
 * Explicit `deps` are added by the caller.
 */
export async function definitionReads(asset: Asset, context: DependencyContext): Promise<string[]> {
  if (asset.partitions !== undefined && !PARTITIONED_KINDS.has(asset.kind))
    throw new AssetDefinitionInvalidError(asset.file, `${asset.name}.partitions`, `is only for sql and typescript assets, not ${asset.kind}`);
  switch (asset.kind) {
    case 'sql':
      return sqlReads(context.engine, asset.sql);
    case 'typescript':
      return [...asset.reads];
    case 'ingest':
      return [];
    case 'feature_view':
      return [(await viewOf(asset.name, asset.view ?? asset.name, context)).source.table];
    case 'training_set': {
      const reads = await sqlReads(context.engine, asset.entities.sql);
      for (const view of await trainingSetViews(asset.name, asset.features, context)) {
        const materialized = context.assets.find((a) => a.kind === 'feature_view' && (a.view ?? a.name) === view.name);
        reads.push(materialized?.name ?? view.source.table);
      }
      return reads;
    }
    case 'model':
      return [asset.trainingSet];
    case 'validation':
      if (!(await (await import('../../quality/index.js')).listSuites(context.project)).includes(asset.suite))
        throw new AssetReferenceUnknownError(asset.name, 'quality suite', asset.suite, 'quality/');
      return [asset.table];
    case 'monitor':
      return (await import('./monitor-reads.js')).monitorReads(asset, context);
  }
}

async function sqlReads(engine: Engine, sql: string): Promise<string[]> {
  return (await sqlTableReads(engine, sql)).map((r) => (r.schema === undefined ? r.name : `${r.schema}.${r.name}`));
}

/** The project's feature definitions; a project without features.json defines no view or service, named as the asset's unknown reference. */
async function featuresFor(asset: string, what: string, name: string, context: DependencyContext): Promise<FeatureRepository> {
  try {
    return await context.features();
  } catch (error) {
    if (isAquiferError(error) && error.code === 'FEATURE_DEFINITIONS_MISSING')
      throw new AssetReferenceUnknownError(asset, what, name, context.project.featuresPath);
    throw error;
  }
}

async function viewOf(asset: string, name: string, context: DependencyContext) {
  const view = (await featuresFor(asset, 'feature view', name, context)).featureViews.find((v) => v.name === name);
  if (view === undefined) throw new AssetReferenceUnknownError(asset, 'feature view', name, context.project.featuresPath);
  return view;
}

/** The stored feature views a training set's features come from (on-demand views are computed from these). */
async function trainingSetViews(asset: string, features: string | readonly string[], context: DependencyContext) {
  const repository = await featuresFor(asset, typeof features === 'string' ? 'feature service' : 'feature view', String(features), context);
  let references: readonly string[];
  if (typeof features === 'string') {
    const service = repository.featureServices?.find((s) => s.name === features);
    if (service === undefined) throw new AssetReferenceUnknownError(asset, 'feature service', features, context.project.featuresPath);
    references = service.features;
  } else references = features;
  const names = new Set(references.map((r) => r.split(':')[0] as string));
  for (const onDemand of repository.onDemandFeatureViews ?? [])
    if (names.delete(onDemand.name)) for (const source of onDemand.sources) names.add(source.split(':')[0] as string);
  return Promise.all([...names].map((name) => viewOf(asset, name, context)));
}
