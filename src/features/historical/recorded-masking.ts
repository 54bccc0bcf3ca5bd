import { quoteIdent, type Engine } from '../../engine/index.js';
import { projectSalt, type Project } from '../../project/index.js';
import { fromDuckDBType, MASK_STRATEGIES, maskSql, type MaskStrategy } from '../../table/index.js';
import { FeatureDefinitionError } from '../errors.js';
import { TrainingSet, type TrainingSetMasking } from './training-set.js';

/**
 * A recreated training set masked as its saved manifest records. Its entity rows (keys, event
 * times, labels) are read back from the saved set, so they are already as it saved them; its
 * feature columns are joined anew from the tables, clear, so each the manifest records masked is
 * masked again by the recorded strategy, under the project's key (the same SQL every masked read
 * uses), and the masking recorded again. So a recreation holds what the saved set held (a
 * reproduction's rows compare equal), and a set refreshed at the latest versions never holds
 * clear values the saved one masked. A set saved with a join key masked cannot be joined again
 * (its keys no longer match the tables'): FEATURE_TRAINING_SET_INVALID rather than rows without
 * features. The recorded strategies are kept, not today's tags and policy: a column tagged
 * since is masked in a new set (`training-set create`).
 */
export async function withRecordedMasking(
  engine: Engine,
  project: Project,
  set: TrainingSet,
  masking: TrainingSetMasking,
  joinKeys: readonly string[],
): Promise<TrainingSet> {
  const masked = masking.clear ? [] : masking.columns;
  const key = masked.find((c) => joinKeys.includes(c.column));
  if (key !== undefined)
    throw new FeatureDefinitionError(
      'FEATURE_TRAINING_SET_INVALID',
      `The saved training set holds its join key ${key.column} masked (${key.strategy}), so its rows cannot be joined to the tables again`,
      key.column,
      'Create a new training set from the entity rows (`aquifer training-set create`), or save sets to recreate with --unmasked keys.',
    );
  const strategies = new Map(masked.filter((c) => set.definition.featureColumns.includes(c.column)).map((c) => [c.column, c.strategy]));
  let sql = set.sql;
  if (strategies.size > 0) {
    const described = await engine.read(`SELECT * FROM (${set.sql}) AS aquifer_set LIMIT 0`);
    const types = described.columnTypes();
    const salt = await projectSalt(project);
    const selected = described.columnNames().map((name, i) => {
      const strategy = strategies.get(name);
      if (strategy === undefined) return quoteIdent(name);
      if (!(MASK_STRATEGIES as readonly string[]).includes(strategy))
        throw new FeatureDefinitionError(
          'FEATURE_TRAINING_SET_INVALID',
          `The saved training set records the masking '${strategy.slice(0, 40)}' for ${name}, which is no strategy (${MASK_STRATEGIES.join(', ')})`,
          name,
          'Create the training set again (`aquifer training-set create`): its manifest was changed by hand or by a newer Aquifer.',
        );
      const type = fromDuckDBType(types[i] as (typeof types)[number], name);
      return `${maskSql(quoteIdent(name), type, strategy as MaskStrategy, salt).sql} AS ${quoteIdent(name)}`;
    });
    sql = `SELECT ${selected.join(', ')} FROM (${set.sql}) AS aquifer_clear`;
  }
  return new TrainingSet(engine, sql, { ...set.definition, masking }, project.stores, set.lineage);
}
