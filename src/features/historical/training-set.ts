import { rm } from 'node:fs/promises';
import { quoteIdent, type Engine, type Row } from '../../engine/index.js';
import { DeltaTable, field, fromDuckDBType, jsonRow, TableNotFoundError, type OpenOptions, type StructField, type WriteResult } from '../../table/index.js';
import type { FeatureView } from '../definitions/definitions.js';
import { FeatureDefinitionError } from '../errors.js';
import { requireSuite, type ExpectationSuite } from '../../quality/index.js';
import { jobRunsObserved, tableDataset, withJobRun, type DatasetRef } from '../../observe/index.js';
import { log } from '../../log.js';
import { trainingSetName } from '../job-datasets.js';
import { recordFeatureViewRun } from '../feature-view-lineage.js';
import { trainingSetDataset, type TrainingSetLineage as TrainingSetColumns } from './training-set-lineage.js';

/** A table a training set read, and the version it read: reading it again gives the same rows. */
export interface PinnedSource {
  view: string;
  table: string;
  version: number;
}

/** What a saved training set records about itself (table property `aquifer.trainingSet`). */
export interface TrainingSetDefinition {
  features: string[];
  featureColumns: string[];
  timestampColumn: string;
  fullFeatureNames: boolean;
  views: FeatureView[];
  sources: PinnedSource[];
  createdAt: string;
  model?: { name: string; version: string };
  /** The registry version of the definitions used, when they were applied. */
  registryVersion?: number;
  /**
   * Set when the rows were not joined from feature views (`views` and `sources` are then
   * empty): what they were made from and how, for whoever builds them again (a model's
   * served features and labels: `kind: "feedback"`, see the models capability).
   */
  origin?: { readonly kind: string } & Readonly<Record<string, unknown>>;
  /**
   * Which masking applied to its columns (governance): `clear` when the reader who made it
   * saw clear values (the `pii` scope, or `--unmasked`), else each masked column with its
   * tags and strategy. Absent on sets made before masking existed, or by the library
   * without a reader.
   */
  masking?: TrainingSetMasking;
}

export interface TrainingSetMasking {
  clear: boolean;
  columns: readonly { column: string; tags: readonly string[]; strategy: string }[];
}

export const TRAINING_SET_PROPERTY = 'aquifer.trainingSet';
/**
 * The erasures that removed rows from a saved training set (a JSON array of `{ id, at, rows }`):
 * its pinned source versions are vacuumed then, so it can no longer be recreated identically.
 */
export const TRAINING_SET_ERASURES_PROPERTY = 'aquifer.erasures';

/** What a training set's run reports besides the table it saves: its project, and the datasets it was built from. */
export interface TrainingSetLineage {
  /** The project's root folder (the run's job.project). */
  project: string;
  /** The project's name: training sets are datasets `training-sets/<name>` in namespace `aquifer://<project name>`. */
  projectName: string;
  /** The feature views' tables at the versions read, and the entity rows' source. */
  inputs: DatasetRef[];
  /** Which source columns feed each feature column: worked out when first asked. */
  columns?: () => Promise<TrainingSetColumns>;
}

/** A point-in-time-correct training set: its query, and the pinned versions of what it reads. */
export class TrainingSet {
  constructor(
    private readonly engine: Engine,
    readonly sql: string,
    readonly definition: Omit<TrainingSetDefinition, 'createdAt'>,
    /** The project's stores, which `save` writes through. */
    private readonly stores?: OpenOptions['stores'],
    /** Where it was built from, for the run that saves it (FeatureStore fills it in). */
    readonly lineage?: TrainingSetLineage,
  ) {}

  /**
   * Rows with values as the library gives them everywhere (`jsonValue`: longs that fit as
   * numbers, timestamps in RFC 3339), as `aquifer table read` prints the saved set and the
   * server serves the same features; for large sets, use `sql` or `save`.
   */
  async rows(): Promise<Row[]> {
    const reader = await this.engine.read(this.sql);
    const names = reader.columnNames();
    const fields: StructField[] = reader.columnTypes().map((type, i) => field(names[i] as string, fromDuckDBType(type, names[i] as string)));
    return (reader.getRowObjectsJson() as Row[]).map((row) => jsonRow(row, fields));
  }

  async count(): Promise<number> {
    const rows = await this.engine.query(`SELECT count(*) AS n FROM (${this.sql})`);
    return Number(rows[0]?.['n'] ?? 0);
  }

  /**
   * Save as a Delta table (entity rows and feature values, written by DuckDB straight
   * from the join), recording the feature definitions and the table versions it read,
   * and optionally the model it trains. With `overwrite`, a training set already saved
   * there is replaced (never another kind of table). With `suite`, the rows must pass it
   * first: a failed expectation is QUALITY_GATE_BLOCKED, and nothing is saved or replaced.
   */
  async save(
    location: string,
    options: { model?: { name: string; version: string }; overwrite?: boolean; suite?: ExpectationSuite } = {},
  ): Promise<{ table: DeltaTable; result: WriteResult }> {
    const name = trainingSetName(location);
    const lineage = this.lineage;
    // Saving is the run that builds the set: the join runs now, over the versions pinned when it was defined.
    return withJobRun(
      { name: `features.training_set.${name}`, type: 'TRAINING_SET', ...(lineage === undefined ? {} : { project: lineage.project }) },
      async (run) => {
        for (const input of lineage?.inputs ?? []) run.input(input);
        const saved = await this.saveTable(location, options);
        if (lineage !== undefined) {
          // Column lineage is worked out only while someone observes runs, and never fails the save.
          const none: TrainingSetColumns = { columnLineage: {}, datasetLineage: [], views: [] };
          const columns =
            lineage.columns === undefined || !jobRunsObserved()
              ? none
              : await lineage.columns().catch((error: unknown): TrainingSetColumns => {
                  log.warn({ err: error }, 'could not work out the column lineage of a training set');
                  return none;
                });
          // Each view's own run first (table → feature view), inside this one, which reads the views.
          for (const view of columns.views) {
            await recordFeatureViewRun(lineage.project, view);
            run.input({ namespace: view.output.namespace, name: view.output.name, kind: 'feature-view' });
          }
          run.output(trainingSetDataset(lineage.projectName, name, columns, saved.result.version));
          if (Object.keys(columns.columnLineage).length > 0)
            run.output({ ...tableDataset(saved.table.location), kind: 'table', columnLineage: columns.columnLineage, datasetLineage: columns.datasetLineage });
        }
        return saved;
      },
    );
  }

  private async saveTable(
    location: string,
    options: { model?: { name: string; version: string }; overwrite?: boolean; suite?: ExpectationSuite },
  ): Promise<{ table: DeltaTable; result: WriteResult }> {
    if (options.suite !== undefined) await requireSuite(this.engine, this.sql, options.suite, `the training set for ${location}`);
    if (options.overwrite === true) await removeTrainingSet(location, this.engine, this.stores);
    const definition: TrainingSetDefinition = {
      ...this.definition,
      createdAt: new Date().toISOString(),
      ...(options.model === undefined ? {} : { model: options.model }),
    };
    return DeltaTable.create(location, {
      engine: this.engine,
      stores: this.stores,
      data: { sql: this.sql },
      preserveOrder: true,
      properties: { [TRAINING_SET_PROPERTY]: JSON.stringify(definition) },
      description: `Training set of ${definition.features.join(', ')}`,
    });
  }
}

/**
 * Remove the training set saved at `location`, if any. Replaced whole, not overwritten by
 * a new commit: a training set is recreated from its first version, and its property
 * records the definition of that version.
 */
async function removeTrainingSet(location: string, engine: Engine, stores: OpenOptions['stores']): Promise<void> {
  const table = await DeltaTable.open(location, { engine, stores });
  try {
    await trainingSetDefinition(table);
  } catch (error) {
    if (error instanceof TableNotFoundError) return;
    throw error;
  }
  // Through the table's store, so a set in S3 goes too (a folder removal only reaches the local disk).
  // The log goes first, newest entry first, so a removal cut short leaves an older version or no table, never a torn one.
  const objects = (await table.store.list('', { recursive: true })).map((o) => o.path);
  const log = objects.filter((key) => key.startsWith('_delta_log/')).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
  const data = objects.filter((key) => !key.startsWith('_delta_log/'));
  for (const key of [...log, ...data]) await table.store.delete(key);
  // A local store leaves the emptied folders behind.
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(location)) await rm(location, { recursive: true, force: true });
}

/** The definition a saved training set carries. */
export async function trainingSetDefinition(table: DeltaTable): Promise<TrainingSetDefinition> {
  const snapshot = await table.snapshot();
  const text = snapshot.configuration[TRAINING_SET_PROPERTY];
  if (text === undefined) {
    throw new FeatureDefinitionError(
      'FEATURE_TRAINING_SET_INVALID',
      `${table.location} is not a training set (no ${TRAINING_SET_PROPERTY} property)`,
      table.location,
      'Give the path of a table saved by a training set.',
    );
  }
  return JSON.parse(text) as TrainingSetDefinition;
}

/** SQL for the entity rows of a saved training set: all its columns but the feature columns. */
export async function savedEntityRowsSql(table: DeltaTable, definition: TrainingSetDefinition): Promise<string> {
  // After an erasure the first version is gone (the log was cut), and the latest holds the same rows less the erased.
  const erased = (await table.snapshot()).configuration[TRAINING_SET_ERASURES_PROPERTY] !== undefined;
  const scan = await table.scan(erased ? {} : { version: 0 });
  const columns = (await scan.plan()).columns.filter((c) => !definition.featureColumns.includes(c));
  return `SELECT ${columns.map(quoteIdent).join(', ')} FROM (${await scan.sql()})`;
}
