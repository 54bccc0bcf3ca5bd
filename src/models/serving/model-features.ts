import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import { trainingSetDefinition, type FeatureStore } from '../../features/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable, TableNotFoundError } from '../../table/index.js';
import type { FeatureRow } from './servable-model.js';

/** What a model trained on a saved training set reads: its features, and the columns' order the model takes. */
export interface ModelFeatures {
  trainingSet: string;
  /** `view:feature` references, as the training set asked for them. */
  features: string[];
  featureColumns: string[];
  fullFeatureNames: boolean;
}

/** The features of a saved training set (by table name in the project), from the definition it carries. */
export async function modelFeatures(project: Project, engine: Engine, trainingSet: string): Promise<ModelFeatures> {
  try {
    const table = await DeltaTable.open(project.tablePath(trainingSet), { engine, stores: project.stores });
    const definition = await trainingSetDefinition(table);
    return { trainingSet, features: definition.features, featureColumns: definition.featureColumns, fullFeatureNames: definition.fullFeatureNames };
  } catch (error) {
    if (error instanceof TableNotFoundError || (error instanceof AquiferError && error.code === 'FEATURE_TRAINING_SET_INVALID'))
      throw new AquiferError('MODEL_NOT_SERVABLE', `The model's training set ${trainingSet} is not a saved training set in this project`, {
        value: { trainingSet },
        hint: 'Tag the version (aquifer.training_set) with the name of the table its training set was saved as.',
        cause: error,
      });
    throw error;
  }
}

/** Rows for the model, and which of their columns are entity keys. */
export interface FetchedRows {
  rows: FeatureRow[];
  keyColumns: string[];
}

/**
 * One row per entity: the latest feature values from the online store (the read
 * `/get-online-features` makes, with the training set's features and names), and the
 * request fields, which on-demand features read and which fill feature columns the online
 * store does not hold. A row's stored values win over a request field of the same name.
 */
export async function fetchFeatureRows(
  store: FeatureStore,
  features: ModelFeatures,
  entities: Readonly<Record<string, readonly unknown[]>>,
  request: Readonly<Record<string, readonly unknown[]>>,
): Promise<FetchedRows> {
  const response = await store.onlineFeatures({
    features: features.features,
    entities: { ...request, ...entities },
    fullFeatureNames: features.fullFeatureNames,
  });
  const names = response.metadata.feature_names;
  const count = response.results[0]?.values.length ?? Object.values(entities)[0]?.length ?? 0;
  const fields = Object.entries(request);
  const keys = Object.entries(entities);
  const rows: FeatureRow[] = [];
  for (let i = 0; i < count; i++) {
    const row: Record<string, unknown> = {};
    for (const [field, values] of fields) row[field] = values[i] ?? null;
    names.forEach((name, j) => {
      const result = response.results[j];
      // A feature the online store has no value for is left out, so a request field can give it, or the model input check names it.
      if (result === undefined || result.statuses[i] === 'NOT_FOUND') return;
      row[name] = result.values[i] ?? null;
    });
    for (const [key, values] of keys) row[key] = values[i] ?? null;
    rows.push(row);
  }
  return { rows, keyColumns: names.filter((n) => !features.featureColumns.includes(n)) };
}
