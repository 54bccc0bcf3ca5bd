import path from 'node:path';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import type { FeatureRepository } from './definitions/definitions.js';
import { FeatureDefinitionError } from './errors.js';
import { FeatureStore } from './feature-store.js';
import { planAggregation } from './aggregation/aggregation-plan.js';
import { LmdbOnlineStore } from './online/lmdb-online-store.js';
import type { OnlineStore } from './online/online-store.js';
import { RedisOnlineStore } from './online/redis-online-store.js';
import { FeatureRegistry } from './registry/registry.js';

/** The online store the project's config names: embedded LMDB by default, Redis at scale. */
export function openOnlineStore(project: Project): OnlineStore {
  const config = project.config.backends.onlineStore;
  if (config?.type === 'redis') return RedisOnlineStore.connect(config.url, `aquifer:${project.config.name}`);
  return LmdbOnlineStore.open(path.join(project.root, '.aquifer', 'online'));
}

/** The project's feature store: its definitions file and its online store. */
export async function openFeatureStore(project: Project, engine: Engine, online: OnlineStore | undefined = openOnlineStore(project)): Promise<FeatureStore> {
  const json = await project.readFeatures();
  if (json === undefined) {
    throw new FeatureDefinitionError(`The project ${project.root} has no feature definitions`, project.featuresPath, 'Write the entities and feature views to features.json in the project (see docs/features.md).');
  }
  const repository = checkShape(json, project.featuresPath);
  const applied = await new FeatureRegistry(project).latest();
  const registryVersion = applied !== undefined && JSON.stringify(applied.repository) === JSON.stringify(repository) ? applied.version : undefined;
  return new FeatureStore(project, engine, repository, online, registryVersion);
}

/** The file holds the shape of a repository (the registry validates it against the tables). */
export function checkShape(json: unknown, where: string): FeatureRepository {
  const repo = json as Partial<FeatureRepository>;
  if (typeof json !== 'object' || json === null || !Array.isArray(repo.entities) || !Array.isArray(repo.featureViews)) {
    throw new FeatureDefinitionError(`${where} must hold "entities" and "featureViews" arrays`, where, 'See docs/features.md for the format.');
  }
  const names = new Set<string>();
  for (const view of repo.featureViews) {
    if (names.has(view.name)) throw new FeatureDefinitionError(`Two feature views are named '${view.name}'`, view.name, 'Give every feature view its own name.');
    names.add(view.name);
    if (view.source?.kind !== 'table' || typeof view.source.table !== 'string' || typeof view.source.timestampField !== 'string') {
      throw new FeatureDefinitionError(`Feature view '${view.name}' needs a table source with a timestampField`, view.name, 'Set "source": {"kind": "table", "table": "...", "timestampField": "..."}.');
    }
    if (view.transformation !== undefined && typeof view.transformation !== 'string') {
      throw new FeatureDefinitionError(`The transformation of feature view '${view.name}' must be SQL text`, view.transformation, 'Write it as one string: "SELECT ... FROM source".');
    }
  }
  // An aggregation view's features follow from its aggregations; the file need not list them.
  const featureViews = repo.featureViews.map((view) => (view.aggregation === undefined ? view : { ...view, features: planAggregation(view.name, view.aggregation).aggregates.map((a) => a.feature) }));
  return { ...(repo as FeatureRepository), featureViews };
}
