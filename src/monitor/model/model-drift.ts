import { jsonPathKey, quoteIdent, quoteLiteral, type Engine } from '../../engine/index.js';
import type { ModelStore } from '../../models/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable, toDuckDBType } from '../../table/index.js';
import { driftReport, type ColumnDriftOptions, type DriftReport } from '../drift/drift-report.js';
import { tableRelation, type DriftRelation } from '../drift/relation.js';
import { ModelNoPredictionsError } from './errors.js';
import { classKey, numberValue } from './logged-values.js';
import { logTableSql, modelVersion, versionTrainingSet, withModelStore } from './model-source.js';
import { checkTask, modelTask, type ModelTask } from './model-task.js';
import { describeBounds, timeConditions, type TimeBounds } from './time-window.js';

/** The column a model drift report gives the prediction under (the training label on the reference side). */
export const PREDICTION_COLUMN = 'prediction';

export interface ModelDriftOptions extends TimeBounds {
  model: string;
  /** A version number or an alias (`champion`); the newest version by default. */
  version?: string | number;
  /** The columns to test: feature columns and/or `prediction`; every feature and the prediction by default. */
  columns?: readonly string[];
  /** How the prediction is compared: as classes (categorical) or numbers; read from the log when not given (see modelTask). */
  task?: ModelTask;
  perColumn?: Readonly<Record<string, ColumnDriftOptions>>;
  driftShare?: number;
  /** Each column's two distributions too, for the HTML report. */
  distributions?: boolean;
  /** The project's registry when not given. */
  store?: ModelStore;
}

/** A drift report of a model version's served features and predictions against its training set. */
export interface ModelDriftReport extends DriftReport {
  model: {
    name: string;
    version: string;
    task: ModelTask;
    trainingSet: { name: string; version: number };
    /** The training set's label, compared with the logged predictions as `prediction`; null when training named none (no prediction drift). */
    label: string | null;
    since: string | null;
    until: string | null;
  };
}

/**
 * Drift of what a model version is served against what it learned from. Reference: the
 * training set behind the version at the table version it was trained on, its feature
 * columns, and its label as `prediction`. Current: the version's prediction log rows in the
 * window, the feature values it was served (logged under the training set's column names,
 * cast back to their types there) and its prediction as `prediction`. A classifier's
 * predictions and labels are compared as classes (categorical), a regressor's as numbers.
 * Then the same report as for any two tables: Evidently's methods and thresholds per column.
 */
export async function modelDriftReport(project: Project, engine: Engine, options: ModelDriftOptions): Promise<ModelDriftReport> {
  const asked = checkTask(options.task);
  return withModelStore(project, options.store, async (store) => {
    const version = await modelVersion(store, options.model, options.version);
    const versionText = String(version.version);
    const training = await versionTrainingSet(project, engine, store, version);
    const table = await DeltaTable.open(project.tablePath(training.name), { engine, stores: project.stores });
    const snapshot = await table.snapshot(training.version === undefined ? {} : { version: training.version });
    const types = new Map(snapshot.schema.fields.map((f) => [f.name, toDuckDBType(f.type)]));

    const window = describeBounds(options);
    const log = await logTableSql(project, engine, options.model, 'predictions');
    if (log === undefined) throw new ModelNoPredictionsError(options.model, versionText, window);
    const logged = `SELECT * FROM (${log}) WHERE ${[`version = ${quoteLiteral(versionText)}`, ...timeConditions('time', options)].join(' AND ')}`;
    const [counted] = await engine.query(`SELECT count(*) AS n FROM (${logged})`);
    if (Number(counted?.['n'] ?? 0) === 0) throw new ModelNoPredictionsError(options.model, versionText, window);
    const task = await modelTask(engine, asked, logged);

    const label = training.label !== undefined && types.has(training.label) ? training.label : undefined;
    const features = training.featureColumns.map((column) => {
      const text = `json_extract_string(features, ${jsonPathKey(column)})`;
      const type = types.get(column);
      return `${type === undefined ? text : `CAST(${text} AS ${type})`} AS ${quoteIdent(column)}`;
    });
    const prediction = quoteIdent(PREDICTION_COLUMN);
    const referenceRows = await tableRelation(table, { version: snapshot.version });
    const labelValue = label === undefined ? undefined : `to_json(${quoteIdent(label)})`;
    const reference: DriftRelation = {
      sql: `SELECT ${[
        ...training.featureColumns.map(quoteIdent),
        ...(labelValue === undefined
          ? []
          : [`${task === 'classification' ? classKey(labelValue) : `CAST(${quoteIdent(label as string)} AS DOUBLE)`} AS ${prediction}`]),
      ].join(', ')} FROM (${referenceRows.sql})`,
      label: `training set ${training.name}@${snapshot.version}${label === undefined ? '' : ` (its label column ${JSON.stringify(label)} as ${PREDICTION_COLUMN})`}`,
    };
    const current: DriftRelation = {
      sql: `SELECT ${[...features, ...(label === undefined ? [] : [`${task === 'classification' ? classKey('prediction') : numberValue('prediction')} AS ${prediction}`])].join(', ')}
FROM (${logged})`,
      label: `predictions of ${options.model} version ${versionText}${window}`,
    };
    const report = await driftReport(engine, {
      reference,
      current,
      ...(options.columns === undefined ? {} : { columns: options.columns }),
      ...(options.perColumn === undefined ? {} : { perColumn: options.perColumn }),
      ...(options.driftShare === undefined ? {} : { driftShare: options.driftShare }),
      ...(options.distributions === undefined ? {} : { distributions: options.distributions }),
    });
    return {
      ...report,
      model: {
        name: options.model,
        version: versionText,
        task,
        trainingSet: { name: training.name, version: snapshot.version },
        label: label ?? null,
        since: options.since === undefined ? null : new Date(options.since).toISOString(),
        until: options.until === undefined ? null : new Date(options.until).toISOString(),
      },
    };
  });
}
