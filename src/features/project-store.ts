import { isDeepStrictEqual } from 'node:util';
import path from 'node:path';
import type { Engine } from '../engine/index.js';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import type { FeatureRepository, OnDemandFeatureView } from './definitions/definitions.js';
import { parseRepositoryFile } from './definitions/repository-schema.js';
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

/** The project's definitions file, shape-checked (the registry checks it against the tables). */
export async function readProjectDefinitions(project: Project): Promise<FeatureRepository> {
  const json = await project.readFeatures();
  if (json === undefined) {
    throw new FeatureDefinitionError(
      'FEATURE_DEFINITIONS_MISSING',
      `The project ${project.root} has no feature definitions`,
      project.featuresPath,
      'Write the entities and feature views to features.json in the project (see docs/features.md).',
    );
  }
  return checkShape(json, project.featuresPath);
}

/** The project's feature store over its definitions file (unapplied edits included) and its online store. */
export async function openFeatureStore(project: Project, engine: Engine, online: OnlineStore | undefined = openOnlineStore(project)): Promise<FeatureStore> {
  const repository = await readProjectDefinitions(project);
  const applied = await new FeatureRegistry(project).latest();
  const registryVersion = applied !== undefined && isApplied(repository, applied.repository, project) ? applied.version : undefined;
  return new FeatureStore(project, engine, repository, online, registryVersion);
}

export interface AppliedStoreOptions {
  /**
   * The functions of applied on-demand views, by view name: the registry keeps only their
   * metadata, so a view without one here refuses lookups and training sets
   * (FEATURE_FUNCTION_NOT_REGISTERED).
   */
  functions?: Readonly<Record<string, OnDemandFeatureView['compute']>>;
}

/**
 * The project's feature store over the definitions as last applied: what `aquifer apply`
 * validated against the tables, so a command never runs on an edit nobody checked.
 * Refuses when nothing has been applied yet.
 */
export async function openAppliedFeatureStore(
  project: Project,
  engine: Engine,
  online: OnlineStore | undefined = openOnlineStore(project),
  options: AppliedStoreOptions = {},
): Promise<FeatureStore> {
  const applied = await new FeatureRegistry(project).latest();
  if (applied === undefined) {
    await online?.close();
    throw new FeatureDefinitionError(
      'FEATURE_DEFINITIONS_NOT_APPLIED',
      `The project ${project.root} has no applied feature definitions`,
      project.featuresPath,
      'Run `aquifer plan` to check the definitions, then `aquifer apply` to record them.',
    );
  }
  const onFile = await readProjectDefinitions(project).catch(() => undefined);
  if (onFile === undefined || !isApplied(onFile, applied.repository, project)) {
    log.warn(
      { file: project.featuresPath, registryVersion: applied.version },
      'the definitions file differs from the applied definitions; using the applied ones (run `aquifer apply` to use the file)',
    );
  }
  let repository: FeatureRepository;
  try {
    repository = withFunctions(applied.repository, options.functions ?? {});
  } catch (error) {
    await online?.close();
    throw error;
  }
  return new FeatureStore(project, engine, repository, online, applied.version);
}

/** The applied definitions with the supplied on-demand functions in place of the missing ones. */
function withFunctions(repository: FeatureRepository, functions: Readonly<Record<string, OnDemandFeatureView['compute']>>): FeatureRepository {
  const views = repository.onDemandFeatureViews ?? [];
  for (const name of Object.keys(functions)) {
    if (!views.some((v) => v.name === name))
      throw new FeatureDefinitionError(
        'FEATURE_FUNCTION_UNKNOWN_VIEW',
        `A function was supplied for '${name}', which is not an applied on-demand feature view`,
        { view: name, onDemandViews: views.map((v) => v.name) },
        'Apply the on-demand view first (FeatureRegistry.apply), or fix the name.',
      );
  }
  if (views.length === 0) return repository;
  return {
    ...repository,
    onDemandFeatureViews: views.map((view) => {
      const compute = functions[view.name];
      return compute === undefined ? view : { ...view, compute };
    }),
  };
}

/**
 * Whether the definitions read from the file are the applied ones: both compared in the
 * shape the file parses to, so key order and derived fields (an aggregation view's
 * features) do not count as an edit. An applied entry that no longer parses (written by an
 * older version) is compared as stored.
 */
function isApplied(onFile: FeatureRepository, applied: FeatureRepository, project: Project): boolean {
  let appliedShape: FeatureRepository = applied;
  try {
    appliedShape = checkShape(applied, project.featuresPath);
  } catch (error) {
    log.debug({ err: error }, 'the applied definitions do not parse as a definitions file; compared as stored');
  }
  return isDeepStrictEqual(onFile, appliedShape);
}

/** The file holds the shape of a repository (the registry validates it against the tables). */
export function checkShape(json: unknown, where: string): FeatureRepository {
  const file = parseRepositoryFile(json, where);
  const names = new Set<string>();
  for (const view of file.featureViews) {
    if (names.has(view.name))
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_DUPLICATE',
        `Two feature views are named '${view.name}'`,
        view.name,
        'Give every feature view its own name.',
      );
    names.add(view.name);
  }
  // An aggregation view's features follow from its aggregations; the file need not list them.
  const featureViews = file.featureViews.map(({ features, ...view }) => ({
    ...view,
    features: view.aggregation === undefined ? (features ?? []) : planAggregation(view.name, view.aggregation).aggregates.map((a) => a.feature),
  }));
  return { ...file, featureViews };
}
