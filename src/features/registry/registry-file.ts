import { z } from 'zod';
import { firstIssue } from '../../project/index.js';
import type { FeatureRepository, OnDemandFeatureView } from '../definitions/definitions.js';
import { appliedRepository } from '../definitions/repository-schema.js';
import { planAggregation } from '../aggregation/aggregation-plan.js';
import { unregisteredFunction } from '../definitions/on-demand.js';
import { FeatureDefinitionError } from '../errors.js';
import type { RegistryEntry } from './registry.js';

const registryEntry = z.object({
  version: z.number().int('must be a whole number').nonnegative('must not be negative'),
  digest: z.string(),
  appliedAt: z.string(),
  repository: appliedRepository,
  suites: z.record(z.string(), z.object({ digest: z.string(), tables: z.array(z.string()), suite: z.record(z.string(), z.unknown()) })).optional(),
});

/**
 * A registry file's text as an entry, checked: the file may have been edited by hand or cut
 * short, and an unchecked cast would fail later as a TypeError deep inside a query. Errors
 * name the file and the field.
 */
export function parseRegistryFile(text: string, file: string): RegistryEntry {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(file, '(the whole document)', `is not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const result = registryEntry.safeParse(json);
  if (!result.success) {
    const issue = firstIssue(result.error);
    throw invalid(file, issue.path, issue.message);
  }
  // The file's own object, now checked, not zod's copy: the copy puts keys in schema order,
  // and `plan` compares objects as JSON text, so an unchanged repository would count as edited.
  const checked = json as typeof result.data;
  const {
    repository: { onDemandFeatureViews: onDemandMetadata, ...repository },
    suites,
    ...entry
  } = checked;
  // Aggregation views' features follow from their aggregations: a file without them still opens.
  const featureViews = repository.featureViews.map((view) =>
    view.features !== undefined
      ? { ...view, features: view.features }
      : { ...view, features: view.aggregation === undefined ? [] : planAggregation(view.name, view.aggregation).aggregates.map((a) => a.feature) },
  );
  const onDemandFeatureViews = onDemandMetadata?.map((view): OnDemandFeatureView => ({ ...view, compute: unregisteredFunction }));
  const applied: FeatureRepository = {
    ...repository,
    featureViews,
    ...(onDemandFeatureViews === undefined ? {} : { onDemandFeatureViews }),
  };
  return { ...entry, repository: applied, ...(suites === undefined ? {} : { suites }) };
}

function invalid(file: string, field: string, message: string): FeatureDefinitionError {
  return new FeatureDefinitionError(
    'FEATURE_REGISTRY_INVALID',
    `${file}: ${field} ${message}`,
    { file, field },
    'Registry files are written by `aquifer apply`; restore this one from a copy, or remove it and apply the definitions again.',
  );
}
