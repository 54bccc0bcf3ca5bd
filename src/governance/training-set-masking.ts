import { quoteIdent } from '../engine/index.js';
import { TrainingSet, type FeatureStore, type TrainingSetMasking } from '../features/index.js';
import { projectSalt } from '../project/index.js';
import { fromDuckDBType, maskSql } from '../table/index.js';
import { answerColumnTags, featureTags } from './feature-tags.js';
import { readsClear, type Reader } from './masking-policy.js';
import { Masking } from './reader-masking.js';

/**
 * A training set as this reader may have it: each column whose feature or join key is tagged
 * masked in its SQL (so the saved table never holds the clear values), and the masking that
 * applied recorded in its definition, which `save` writes into the table's manifest. The
 * same key as every other masked read, so a hashed key joins with hashed lookups.
 */
export async function maskTrainingSet(store: FeatureStore, set: TrainingSet, reader: Reader | undefined): Promise<TrainingSet> {
  const project = store.project;
  if (readsClear(reader)) return withMasking(store, set, set.sql, { clear: true, columns: [] });
  const repository = set.definition.views.length === 0 ? store.repository : { ...store.repository, featureViews: set.definition.views };
  const tags = await featureTags(project, store.engine, repository);
  const masking = Masking.forProject(project);
  const described = await store.engine.read(`SELECT * FROM (${set.sql}) AS aquifer_set LIMIT 0`);
  const names = described.columnNames();
  const types = described.columnTypes();
  const applied: { column: string; tags: string[]; strategy: string }[] = [];
  const selected: string[] = [];
  let salt: Buffer | undefined;
  for (const [i, name] of names.entries()) {
    const column = answerColumnTags(tags, name);
    const strategy = column === undefined ? undefined : masking.strategy(column.tags);
    if (column === undefined || strategy === undefined) {
      selected.push(quoteIdent(name));
      continue;
    }
    salt ??= await projectSalt(project);
    const type = fromDuckDBType(types[i] as (typeof types)[number], name);
    selected.push(`${maskSql(quoteIdent(name), type, strategy, salt).sql} AS ${quoteIdent(name)}`);
    applied.push({ column: name, tags: column.tags, strategy });
  }
  const sql = applied.length === 0 ? set.sql : `SELECT ${selected.join(', ')} FROM (${set.sql}) AS aquifer_clear`;
  return withMasking(store, set, sql, { clear: false, columns: applied });
}

function withMasking(store: FeatureStore, set: TrainingSet, sql: string, masking: TrainingSetMasking): TrainingSet {
  return new TrainingSet(store.engine, sql, { ...set.definition, masking }, store.project.stores, set.lineage);
}
