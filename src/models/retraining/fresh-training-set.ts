import type { Engine } from '../../engine/index.js';
import { FeatureStore, readProjectDefinitions, trainingSetDefinition } from '../../features/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable } from '../../table/index.js';
import { feedbackOriginOf, saveFeedbackTrainingSet } from '../serving/feedback-training-set.js';
import type { ModelStore } from '../store/model-store.js';

/** A training set saved for a retraining run: its name and the version of its table. */
export interface FreshTrainingSet {
  name: string;
  version: number;
  rows: number;
  /** The saved set whose definition it refreshed. */
  from: string;
}

/** `<set>-retrain-<UTC time to the millisecond>`; a refreshed set refreshed again keeps the first set's name as its stem. */
export function freshTrainingSetName(from: string, now: Date): string {
  const stem = from.replace(/-retrain-\d{8}-\d{6}-\d{3}$/, '');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').replace('Z', '');
  return `${stem}-retrain-${stamp}`;
}

/**
 * Save a saved training set's definition again over what has landed since, under a new name:
 * a set joined from feature views is the same entity rows and feature definitions joined to
 * the tables' latest versions (the join `training-set create` runs); a feedback training set
 * is the model's prediction log and labels at their latest versions (as `models feedback-set`
 * builds it). The new set pins the versions it read, so the model trained on it can be
 * reproduced like any other.
 */
export async function saveFreshTrainingSet(project: Project, engine: Engine, store: ModelStore, from: string, name: string): Promise<FreshTrainingSet> {
  const saved = await DeltaTable.open(project.tablePath(from), { engine, stores: project.stores });
  const definition = await trainingSetDefinition(saved);
  const origin = feedbackOriginOf(definition);
  if (origin !== undefined) {
    const fresh = await saveFeedbackTrainingSet(project, engine, store, { model: origin.model, name, version: origin.modelVersion });
    return { name, version: fresh.version, rows: fresh.rows, from };
  }
  const features = new FeatureStore(project, engine, await readProjectDefinitions(project));
  const set = await features.recreateTrainingSet({ table: saved, definition }, { tables: 'latest' });
  // Not `definition.model`: that names the version the old set trained, not the one this set will.
  const { result } = await set.save(project.tablePath(name));
  return { name, version: result.version, rows: result.rows, from };
}
