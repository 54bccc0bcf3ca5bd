import { FeatureDefinitionError, FeatureNotFoundError } from '../errors.js';
import type { Entity, FeatureDefinition, FeatureRepository, FeatureView } from './definitions.js';

/** The features asked for, grouped by view, in the order asked. */
export interface ResolvedView {
  view: FeatureView;
  joinKeys: string[];
  features: FeatureDefinition[];
}

/**
 * Resolve `view:feature` references (or `view:*`, or a feature service's name) against
 * a repository; unknown names are typed errors listing what exists.
 */
export function resolveFeatures(repository: FeatureRepository, references: readonly string[] | string): ResolvedView[] {
  const service = typeof references === 'string' ? repository.featureServices?.find((s) => s.name === references) : undefined;
  if (typeof references === 'string' && service === undefined)
    throw new FeatureNotFoundError(
      references,
      (repository.featureServices ?? []).map((s) => s.name),
    );
  const list = service?.features ?? (references as readonly string[]);
  const known = repository.featureViews.flatMap((v) => v.features.map((f) => `${v.name}:${f.name}`));
  const byView = new Map<string, ResolvedView>();
  for (const reference of list) {
    const [viewName, featureName] = reference.split(':');
    const view = repository.featureViews.find((v) => v.name === viewName);
    if (view === undefined || featureName === undefined) throw new FeatureNotFoundError(reference, known);
    const features = featureName === '*' ? [...view.features] : view.features.filter((f) => f.name === featureName);
    if (features.length === 0) throw new FeatureNotFoundError(reference, known);
    let resolved = byView.get(view.name);
    if (resolved === undefined) {
      resolved = { view, joinKeys: joinKeysOf(repository.entities, view), features: [] };
      byView.set(view.name, resolved);
    }
    for (const feature of features) if (!resolved.features.some((f) => f.name === feature.name)) resolved.features.push(feature);
  }
  return [...byView.values()];
}

export function joinKeysOf(entities: readonly Entity[], view: FeatureView): string[] {
  return view.entities.flatMap((name) => {
    const found = entities.find((e) => e.name === name);
    if (found === undefined) {
      throw new FeatureDefinitionError(
        'FEATURE_DEFINITION_UNKNOWN_ENTITY',
        `Feature view '${view.name}' names entity '${name}', which is not defined`,
        { view: view.name, entity: name },
        `Define the entity, or use one of: ${entities.map((e) => e.name).join(', ') || '(none defined)'}.`,
      );
    }
    return found.joinKeys.map((k) => k.name);
  });
}
