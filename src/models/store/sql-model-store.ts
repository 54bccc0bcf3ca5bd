import { randomUUID } from 'node:crypto';
import { AquiferError } from '../../errors.js';
import type {
  CreateLoggedModelOptions,
  CreateModelVersionOptions,
  CreateRunOptions,
  LogBatch,
  ModelStore,
  SearchRunsOptions,
  UpdateRunOptions,
} from './model-store.js';
import { modelMetricOf, runMetricOf, storedValue } from './metric-rows.js';
import { MIGRATIONS, SCHEMA, SCHEMA_VERSION } from './schema.js';
import type { SqlDatabase, SqlExecutor } from './sql-database.js';
import { checkKey, checkName, checkValue, LIMITS } from './store-limits.js';
import type {
  DatasetInput,
  Experiment,
  LifecycleStage,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelOutput,
  ModelStage,
  ModelVersion,
  Page,
  RegisteredModel,
  Run,
  RunStatus,
  Tag,
} from './types.js';

type Row = Record<string, unknown>;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const num = (v: unknown): number => Number(v);
/** The status of a deleted version's tombstone. */
const DELETED = 'DELETED_INTERNAL';
const hex32 = (): string => randomUUID().replaceAll('-', '');

/**
 * The tracking store and model registry over SQL: SQLite in the project by default,
 * PostgreSQL when the project says so. Each change is one transaction.
 */
export class SqlModelStore implements ModelStore {
  private constructor(private readonly db: SqlDatabase) {}

  /** Open the store, creating its tables and MLflow's Default experiment (id 0) when missing. */
  static async open(db: SqlDatabase): Promise<SqlModelStore> {
    try {
      await db.transaction(async (tx) => {
        for (const statement of SCHEMA) await tx.query(statement);
        await migrate(tx);
        const now = Date.now();
        await tx.query(
          `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
           VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?) ON CONFLICT (experiment_id) DO NOTHING`,
          [now, now],
        );
      });
    } catch (error) {
      await db.close().catch(() => undefined);
      throw storeFailed(error);
    }
    return new SqlModelStore(db);
  }

  changeToken(): string | undefined {
    return this.db.changeToken?.();
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // experiments

  async createExperiment(name: string, options: { artifactLocation?: string; tags?: Tag[] } = {}): Promise<Experiment> {
    checkName(name, 'experiment name');
    const tags = checkTags(options.tags ?? []);
    const id = await this.write(async (tx) => {
      if ((await tx.query(`SELECT 1 FROM experiments WHERE name = ?`, [name])).length > 0) throw alreadyExists('experiment', name);
      // Ids come from a counter row (never reused, even after a delete), locked by the UPDATE.
      const [counter] = await tx.query<{ value: number }>(`UPDATE aquifer_counters SET value = value + 1 WHERE name = 'experiment' RETURNING value`);
      const experimentId = num(counter?.value);
      const now = Date.now();
      await tx.query(
        `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, 'active', ?, ?)`,
        [experimentId, name, options.artifactLocation ?? `mlflow-artifacts:/${experimentId}`, now, now],
      );
      for (const tag of tags) await tx.query(`INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)`, [experimentId, tag.key, tag.value]);
      return experimentId;
    });
    return this.getExperiment(String(id));
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const id = experimentNumber(experimentId);
    const [row] = await this.read((db) => db.query(`SELECT * FROM experiments WHERE experiment_id = ?`, [id]));
    if (row === undefined) throw notFound('experiment', experimentId);
    return this.experiment(row);
  }

  async findExperiment(name: string): Promise<Experiment | undefined> {
    const [row] = await this.read((db) => db.query(`SELECT * FROM experiments WHERE name = ?`, [name]));
    return row === undefined ? undefined : this.experiment(row);
  }

  async listExperiments(options: { view?: 'active' | 'deleted' | 'all' } = {}): Promise<Experiment[]> {
    const rows = await this.read((db) => db.query(`SELECT * FROM experiments ${viewClause(options.view)} ORDER BY experiment_id`));
    return Promise.all(rows.map((row) => this.experiment(row)));
  }

  async setExperimentTag(experimentId: string, tag: Tag): Promise<void> {
    const id = experimentNumber(experimentId);
    const [checked] = checkTags([tag]);
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM experiments WHERE experiment_id = ?`, [id], 'experiment', experimentId);
      await upsert(tx, 'experiment_tags', ['experiment_id', 'key'], [id, checked?.key], checked?.value);
    });
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    const id = experimentNumber(experimentId);
    await this.write(async (tx) => {
      const [row] = await tx.query<{ lifecycle_stage: string }>(`SELECT lifecycle_stage FROM experiments WHERE experiment_id = ?`, [id]);
      if (row === undefined) throw notFound('experiment', experimentId);
      if (row.lifecycle_stage !== 'active') {
        throw new AquiferError('MODEL_STORE_INVALID', `Experiment ${experimentId} is deleted; its tags cannot change`, {
          value: experimentId,
          hint: 'Restore the experiment first.',
        });
      }
      await requireRow(tx, `SELECT 1 FROM experiment_tags WHERE experiment_id = ? AND key = ?`, [id, key], 'experiment tag', key);
      await tx.query(`DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?`, [id, key]);
    });
  }

  async updateExperiment(experimentId: string, change: { name?: string; lifecycleStage?: LifecycleStage }): Promise<void> {
    const id = experimentNumber(experimentId);
    if (change.name !== undefined) checkName(change.name, 'experiment name');
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM experiments WHERE experiment_id = ?`, [id], 'experiment', experimentId);
      if (change.name !== undefined) {
        const [other] = await tx.query<Row>(`SELECT experiment_id FROM experiments WHERE name = ?`, [change.name]);
        if (other !== undefined && num(other['experiment_id']) !== id) throw alreadyExists('experiment', change.name);
        await tx.query(`UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?`, [change.name, Date.now(), id]);
      }
      if (change.lifecycleStage !== undefined) {
        await tx.query(`UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?`, [change.lifecycleStage, Date.now(), id]);
      }
    });
  }

  private async experiment(row: Row): Promise<Experiment> {
    const id = num(row['experiment_id']);
    const tags = await this.read((db) => db.query<Tag>(`SELECT key, value FROM experiment_tags WHERE experiment_id = ? ORDER BY key`, [id]));
    return {
      experimentId: String(id),
      name: str(row['name']),
      artifactLocation: str(row['artifact_location']),
      lifecycleStage: str(row['lifecycle_stage']) as LifecycleStage,
      creationTime: num(row['creation_time']),
      lastUpdateTime: num(row['last_update_time']),
      tags: tags.map(plainTag),
    };
  }

  // runs

  async createRun(options: CreateRunOptions): Promise<Run> {
    const experiment = await this.getExperiment(options.experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw new AquiferError('MODEL_STORE_INVALID', `Experiment ${experiment.experimentId} is deleted; runs cannot be created in it`, {
        value: experiment.experimentId,
        hint: 'Restore the experiment or use another one.',
      });
    }
    const tags = checkTags(options.tags ?? []);
    const runId = hex32();
    const runName = options.runName ?? tags.find((t) => t.key === 'mlflow.runName')?.value ?? `run-${runId.slice(0, 8)}`;
    checkValue(runName, LIMITS.name, 'run name');
    await this.write(async (tx) => {
      await tx.query(
        `INSERT INTO runs (run_id, experiment_id, run_name, user_id, status, start_time, end_time, artifact_uri, lifecycle_stage)
         VALUES (?, ?, ?, ?, 'RUNNING', ?, NULL, ?, 'active')`,
        [
          runId,
          experimentNumber(experiment.experimentId),
          runName,
          options.userId ?? '',
          options.startTime ?? Date.now(),
          `${experiment.artifactLocation}/${runId}/artifacts`,
        ],
      );
      for (const tag of [...tags.filter((t) => t.key !== 'mlflow.runName'), { key: 'mlflow.runName', value: runName }]) {
        await upsert(tx, 'run_tags', ['run_id', 'key'], [runId, tag.key], tag.value);
      }
    });
    return this.getRun(runId);
  }

  async getRun(runId: string): Promise<Run> {
    const [row] = await this.read((db) => db.query(`SELECT * FROM runs WHERE run_id = ?`, [runId]));
    if (row === undefined) throw notFound('run', runId);
    const [run] = await this.runs([row]);
    return run as Run;
  }

  async updateRun(runId: string, change: UpdateRunOptions): Promise<Run> {
    if (change.runName !== undefined) checkValue(change.runName, LIMITS.name, 'run name');
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM runs WHERE run_id = ?`, [runId], 'run', runId);
      if (change.status !== undefined) await tx.query(`UPDATE runs SET status = ? WHERE run_id = ?`, [checkStatus(change.status), runId]);
      if (change.endTime !== undefined) await tx.query(`UPDATE runs SET end_time = ? WHERE run_id = ?`, [change.endTime, runId]);
      if (change.runName !== undefined) {
        await tx.query(`UPDATE runs SET run_name = ? WHERE run_id = ?`, [change.runName, runId]);
        await upsert(tx, 'run_tags', ['run_id', 'key'], [runId, 'mlflow.runName'], change.runName);
      }
    });
    return this.getRun(runId);
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void> {
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM runs WHERE run_id = ?`, [runId], 'run', runId);
      await tx.query(`UPDATE runs SET lifecycle_stage = ? WHERE run_id = ?`, [stage, runId]);
    });
  }

  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    const metrics = batch.metrics ?? [];
    const params = batch.params ?? [];
    const tags = checkTags(batch.tags ?? []);
    if (metrics.length > LIMITS.batchMetrics || params.length > LIMITS.batchParams || tags.length > LIMITS.batchTags) {
      throw new AquiferError(
        'MODEL_STORE_INVALID',
        `A batch holds at most ${LIMITS.batchMetrics} metrics, ${LIMITS.batchParams} params and ${LIMITS.batchTags} tags`,
        {
          value: { metrics: metrics.length, params: params.length, tags: tags.length },
          hint: 'Split the batch, as the MLflow client does.',
        },
      );
    }
    for (const metric of metrics) checkMetric(metric);
    for (const param of params) {
      checkKey(param.key, 'param key');
      checkValue(param.value, LIMITS.paramValue, `param ${param.key}`);
    }
    await this.write(async (tx) => {
      await requireActiveRun(tx, runId);
      for (const param of params) {
        const [existing] = await tx.query<{ value: string }>(`SELECT value FROM run_params WHERE run_id = ? AND key = ?`, [runId, param.key]);
        if (existing === undefined) await tx.query(`INSERT INTO run_params (run_id, key, value) VALUES (?, ?, ?)`, [runId, param.key, param.value]);
        else if (existing.value !== param.value) {
          throw new AquiferError('MODEL_STORE_PARAM_CHANGED', `Param ${param.key} of run ${runId} was already logged as ${JSON.stringify(existing.value)}`, {
            value: { key: param.key, old: existing.value, new: param.value },
            hint: 'Parameters are write-once: log the new value under another key, or start another run.',
          });
        }
      }
      for (const metric of metrics) await logMetric(tx, runId, metric);
      for (const tag of tags) {
        await upsert(tx, 'run_tags', ['run_id', 'key'], [runId, tag.key], tag.value);
        if (tag.key === 'mlflow.runName') await tx.query(`UPDATE runs SET run_name = ? WHERE run_id = ?`, [tag.value, runId]);
      }
    });
  }

  async deleteRunTag(runId: string, key: string): Promise<void> {
    await this.write(async (tx) => {
      await requireActiveRun(tx, runId);
      await requireRow(tx, `SELECT 1 FROM run_tags WHERE run_id = ? AND key = ?`, [runId, key], 'tag', key);
      await tx.query(`DELETE FROM run_tags WHERE run_id = ? AND key = ?`, [runId, key]);
    });
  }

  async metricHistory(runId: string, key: string): Promise<Metric[]> {
    await this.getRun(runId);
    // MLflow's order: by timestamp, step and value (NaN as its stored 0, before a real 0).
    const rows = await this.read((db) =>
      db.query(`SELECT key, value, is_nan, timestamp, step FROM run_metric_points WHERE run_id = ? AND key = ? ORDER BY timestamp, step, value, is_nan`, [
        runId,
        key,
      ]),
    );
    return rows.map(runMetricOf);
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    if (inputs.length > LIMITS.batchParams)
      throw new AquiferError('MODEL_STORE_INVALID', `At most ${LIMITS.batchParams} inputs at once`, { value: inputs.length });
    for (const input of inputs) {
      checkValue(input.dataset.name, LIMITS.name, 'dataset name');
      checkValue(input.dataset.digest, LIMITS.name, 'dataset digest');
      checkValue(JSON.stringify(input.dataset), LIMITS.datasetJson, 'dataset');
    }
    await this.write(async (tx) => {
      await requireActiveRun(tx, runId);
      const [last] = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM run_inputs WHERE run_id = ?`, [runId]);
      let position = num(last?.n);
      for (const input of inputs) {
        await tx.query(
          `INSERT INTO run_inputs (run_id, name, digest, dataset, tags, position) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, name, digest) DO UPDATE SET tags = excluded.tags`,
          [runId, input.dataset.name, input.dataset.digest, JSON.stringify(input.dataset), JSON.stringify(checkTags(input.tags)), position++],
        );
      }
    });
  }

  async logOutputs(runId: string, outputs: ModelOutput[]): Promise<void> {
    await this.write(async (tx) => {
      await requireActiveRun(tx, runId);
      for (const output of outputs) {
        await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [output.modelId], 'logged model', output.modelId);
        await tx.query(`INSERT INTO run_outputs (run_id, model_id, step) VALUES (?, ?, ?) ON CONFLICT (run_id, model_id) DO UPDATE SET step = excluded.step`, [
          runId,
          output.modelId,
          output.step,
        ]);
      }
    });
  }

  async searchRuns(options: SearchRunsOptions): Promise<Page<Run>> {
    const ids = options.experimentIds.map(experimentNumber);
    if (ids.length === 0) return { items: [] };
    const { offset, limit } = paging(options.pageToken, options.maxResults);
    const rows = await this.read((db) =>
      db.query(
        `SELECT * FROM runs WHERE experiment_id IN (${ids.map(() => '?').join(', ')}) ${viewClause(options.view, 'AND')}
         ORDER BY start_time DESC, run_id LIMIT ? OFFSET ?`,
        [...ids, limit + 1, offset],
      ),
    );
    return page(await this.runs(rows.slice(0, limit)), rows.length > limit, offset + limit);
  }

  /** Runs with their params, tags, metrics, inputs and outputs, read in one query per kind. */
  private async runs(rows: Row[]): Promise<Run[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => str(r['run_id']));
    const marks = ids.map(() => '?').join(', ');
    const [params, tags, metrics, inputs, outputs] = await this.read((db) =>
      Promise.all([
        db.query(`SELECT run_id, key, value FROM run_params WHERE run_id IN (${marks}) ORDER BY key`, ids),
        db.query(`SELECT run_id, key, value FROM run_tags WHERE run_id IN (${marks}) ORDER BY key`, ids),
        db.query(`SELECT run_id, key, value, is_nan, timestamp, step FROM run_latest_metrics WHERE run_id IN (${marks}) ORDER BY key`, ids),
        db.query(`SELECT run_id, dataset, tags FROM run_inputs WHERE run_id IN (${marks}) ORDER BY position`, ids),
        db.query(`SELECT run_id, model_id, step FROM run_outputs WHERE run_id IN (${marks}) ORDER BY model_id`, ids),
      ]),
    );
    const of = (list: Row[], id: string): Row[] => list.filter((r) => r['run_id'] === id);
    return rows.map((row) => {
      const id = str(row['run_id']);
      return {
        info: {
          runId: id,
          experimentId: String(num(row['experiment_id'])),
          runName: str(row['run_name']),
          userId: str(row['user_id']),
          status: str(row['status']) as RunStatus,
          startTime: num(row['start_time']),
          endTime: row['end_time'] === null || row['end_time'] === undefined ? null : num(row['end_time']),
          artifactUri: str(row['artifact_uri']),
          lifecycleStage: str(row['lifecycle_stage']) as LifecycleStage,
        },
        params: of(params, id).map(plainTag),
        tags: of(tags, id).map(plainTag),
        metrics: of(metrics, id).map(runMetricOf),
        inputs: of(inputs, id).map((r) => ({ dataset: JSON.parse(str(r['dataset'])), tags: JSON.parse(str(r['tags'])) }) as DatasetInput),
        outputs: of(outputs, id).map((r) => ({ modelId: str(r['model_id']), step: num(r['step']) })),
      };
    });
  }

  // logged models

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    const experiment = await this.getExperiment(options.experimentId);
    const modelId = `m-${hex32()}`;
    const name = options.name ?? `model-${modelId.slice(2, 10)}`;
    checkValue(name, LIMITS.name, 'logged model name');
    const params = checkTags(options.params ?? []);
    const tags = checkTags(options.tags ?? []);
    await this.write(async (tx) => {
      if (options.sourceRunId !== undefined) await requireRow(tx, `SELECT 1 FROM runs WHERE run_id = ?`, [options.sourceRunId], 'run', options.sourceRunId);
      const now = Date.now();
      await tx.query(
        `INSERT INTO logged_models (model_id, experiment_id, name, source_run_id, status, artifact_location, model_type, creation_time, last_updated_time)
         VALUES (?, ?, ?, ?, 'LOGGED_MODEL_PENDING', ?, ?, ?, ?)`,
        [
          modelId,
          experimentNumber(experiment.experimentId),
          name,
          options.sourceRunId ?? null,
          `${experiment.artifactLocation}/models/${modelId}/artifacts`,
          options.modelType ?? null,
          now,
          now,
        ],
      );
      for (const p of params) await upsert(tx, 'logged_model_params', ['model_id', 'key'], [modelId, p.key], p.value);
      for (const t of tags) await upsert(tx, 'logged_model_tags', ['model_id', 'key'], [modelId, t.key], t.value);
    });
    return this.getLoggedModel(modelId);
  }

  async getLoggedModel(modelId: string, options: { allowDeleted?: boolean } = {}): Promise<LoggedModel> {
    const live = options.allowDeleted === true ? '' : ` AND lifecycle_stage = 'active'`;
    const [row] = await this.read((db) => db.query(`SELECT * FROM logged_models WHERE model_id = ?${live}`, [modelId]));
    if (row === undefined) throw notFound('logged model', modelId);
    return this.loggedModel(row);
  }

  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [modelId], 'logged model', modelId);
      await tx.query(`UPDATE logged_models SET lifecycle_stage = 'deleted', last_updated_time = ? WHERE model_id = ?`, [Date.now(), modelId]);
    });
  }

  async updateLoggedModel(modelId: string, change: { status?: LoggedModelStatus }): Promise<LoggedModel> {
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [modelId], 'logged model', modelId);
      if (change.status !== undefined) {
        if (!['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'].includes(change.status)) {
          throw new AquiferError('MODEL_STORE_INVALID', `Unknown logged model status ${JSON.stringify(change.status)}`, { value: change.status });
        }
        await tx.query(`UPDATE logged_models SET status = ?, last_updated_time = ? WHERE model_id = ?`, [change.status, Date.now(), modelId]);
      }
    });
    return this.getLoggedModel(modelId, { allowDeleted: true });
  }

  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<void> {
    const checked = checkTags(tags);
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [modelId], 'logged model', modelId);
      for (const t of checked) await upsert(tx, 'logged_model_tags', ['model_id', 'key'], [modelId, t.key], t.value);
    });
  }

  async logLoggedModelParams(modelId: string, params: Tag[]): Promise<void> {
    if (params.length > LIMITS.batchParams)
      throw new AquiferError('MODEL_STORE_INVALID', `At most ${LIMITS.batchParams} params at once`, { value: params.length });
    for (const param of params) {
      checkKey(param.key, 'param key');
      checkValue(param.value, LIMITS.paramValue, `param ${param.key}`);
    }
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [modelId], 'logged model', modelId);
      for (const param of params) {
        const [existing] = await tx.query<{ value: string }>(`SELECT value FROM logged_model_params WHERE model_id = ? AND key = ?`, [modelId, param.key]);
        if (existing === undefined)
          await tx.query(`INSERT INTO logged_model_params (model_id, key, value) VALUES (?, ?, ?)`, [modelId, param.key, param.value]);
        else if (existing.value !== param.value) {
          throw new AquiferError(
            'MODEL_STORE_PARAM_CHANGED',
            `Param ${param.key} of logged model ${modelId} was already logged as ${JSON.stringify(existing.value)}`,
            {
              value: { key: param.key, old: existing.value, new: param.value },
              hint: 'Parameters are write-once: log the new value under another key, or log another model.',
            },
          );
        }
      }
    });
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.write(async (tx) => {
      await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [modelId], 'logged model', modelId);
      await requireRow(tx, `SELECT 1 FROM logged_model_tags WHERE model_id = ? AND key = ?`, [modelId, key], 'logged model tag', key);
      await tx.query(`DELETE FROM logged_model_tags WHERE model_id = ? AND key = ?`, [modelId, key]);
    });
  }

  async searchLoggedModels(options: { experimentIds: string[]; maxResults?: number; pageToken?: string }): Promise<Page<LoggedModel>> {
    const ids = options.experimentIds.map(experimentNumber);
    if (ids.length === 0) return { items: [] };
    const { offset, limit } = paging(options.pageToken, options.maxResults);
    const rows = await this.read((db) =>
      db.query(
        `SELECT * FROM logged_models WHERE experiment_id IN (${ids.map(() => '?').join(', ')}) AND lifecycle_stage = 'active'
         ORDER BY creation_time DESC, model_id LIMIT ? OFFSET ?`,
        [...ids, limit + 1, offset],
      ),
    );
    return page(await Promise.all(rows.slice(0, limit).map((r) => this.loggedModel(r))), rows.length > limit, offset + limit);
  }

  private async loggedModel(row: Row): Promise<LoggedModel> {
    const id = str(row['model_id']);
    const [params, tags, metrics] = await this.read((db) =>
      Promise.all([
        db.query<Tag>(`SELECT key, value FROM logged_model_params WHERE model_id = ? ORDER BY key`, [id]),
        db.query<Tag>(`SELECT key, value FROM logged_model_tags WHERE model_id = ? ORDER BY key`, [id]),
        db.query(`SELECT * FROM logged_model_metrics WHERE model_id = ? ORDER BY key, step, timestamp, run_id`, [id]),
      ]),
    );
    return {
      modelId: id,
      experimentId: String(num(row['experiment_id'])),
      name: str(row['name']),
      sourceRunId: row['source_run_id'] === null || row['source_run_id'] === undefined ? null : str(row['source_run_id']),
      status: str(row['status']) as LoggedModelStatus,
      artifactLocation: str(row['artifact_location']),
      modelType: row['model_type'] === null || row['model_type'] === undefined ? null : str(row['model_type']),
      creationTime: num(row['creation_time']),
      lastUpdatedTime: num(row['last_updated_time']),
      params: params.map(plainTag),
      tags: tags.map(plainTag),
      metrics: metrics.map(modelMetricOf),
    };
  }

  // registered models

  async createRegisteredModel(name: string, options: { description?: string; tags?: Tag[] } = {}): Promise<RegisteredModel> {
    checkName(name, 'model name');
    const tags = checkTags(options.tags ?? []);
    const description = options.description ?? '';
    checkValue(description, LIMITS.description, 'description');
    await this.write(async (tx) => {
      if ((await tx.query(`SELECT 1 FROM registered_models WHERE name = ?`, [name])).length > 0) throw alreadyExists('registered model', name);
      const now = Date.now();
      await tx.query(`INSERT INTO registered_models (name, description, creation_time, last_updated_time) VALUES (?, ?, ?, ?)`, [name, description, now, now]);
      for (const t of tags) await upsert(tx, 'registered_model_tags', ['name', 'key'], [name, t.key], t.value);
    });
    return this.getRegisteredModel(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const [row] = await this.read((db) => db.query(`SELECT * FROM registered_models WHERE name = ?`, [name]));
    if (row === undefined) throw notFound('registered model', name);
    return this.registeredModel(row);
  }

  async listRegisteredModels(options: { maxResults?: number; pageToken?: string } = {}): Promise<Page<RegisteredModel>> {
    const { offset, limit } = paging(options.pageToken, options.maxResults);
    const rows = await this.read((db) => db.query(`SELECT * FROM registered_models ORDER BY name LIMIT ? OFFSET ?`, [limit + 1, offset]));
    return page(await Promise.all(rows.slice(0, limit).map((r) => this.registeredModel(r))), rows.length > limit, offset + limit);
  }

  async updateRegisteredModel(name: string, change: { description?: string; newName?: string }): Promise<RegisteredModel> {
    if (change.description !== undefined) checkValue(change.description, LIMITS.description, 'description');
    if (change.newName !== undefined) checkName(change.newName, 'model name');
    await this.write(async (tx) => {
      await lockModel(tx, name);
      if (change.description !== undefined) await tx.query(`UPDATE registered_models SET description = ? WHERE name = ?`, [change.description, name]);
      if (change.newName !== undefined && change.newName !== name) {
        if ((await tx.query(`SELECT 1 FROM registered_models WHERE name = ?`, [change.newName])).length > 0)
          throw alreadyExists('registered model', change.newName);
        for (const table of ['registered_models', 'registered_model_tags', 'registered_model_aliases', 'model_versions', 'model_version_tags']) {
          await tx.query(`UPDATE ${table} SET name = ? WHERE name = ?`, [change.newName, name]);
        }
      }
    });
    return this.getRegisteredModel(change.newName ?? name);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.write(async (tx) => {
      await lockModel(tx, name);
      for (const table of ['model_version_tags', 'model_versions', 'registered_model_aliases', 'registered_model_tags', 'registered_models']) {
        await tx.query(`DELETE FROM ${table} WHERE name = ?`, [name]);
      }
    });
  }

  async setRegisteredModelTag(name: string, tag: Tag): Promise<void> {
    const [checked] = checkTags([tag]);
    await this.write(async (tx) => {
      await lockModel(tx, name);
      await upsert(tx, 'registered_model_tags', ['name', 'key'], [name, checked?.key], checked?.value);
    });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.write(async (tx) => {
      await lockModel(tx, name);
      await tx.query(`DELETE FROM registered_model_tags WHERE name = ? AND key = ?`, [name, key]);
    });
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    checkAlias(alias);
    await this.write(async (tx) => {
      await lockModel(tx, name);
      await requireLiveVersion(tx, name, version);
      await upsert(tx, 'registered_model_aliases', ['name', 'alias'], [name, alias], version, 'version');
    });
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.write(async (tx) => {
      await lockModel(tx, name);
      await requireRow(tx, `SELECT 1 FROM registered_model_aliases WHERE name = ? AND alias = ?`, [name, alias], 'alias', `${name}@${alias}`);
      await tx.query(`DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?`, [name, alias]);
    });
  }

  private async registeredModel(row: Row): Promise<RegisteredModel> {
    const name = str(row['name']);
    const [tags, aliases] = await this.read((db) =>
      Promise.all([
        db.query<Tag>(`SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key`, [name]),
        db.query<Row>(`SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias`, [name]),
      ]),
    );
    return {
      name,
      description: str(row['description']),
      creationTime: num(row['creation_time']),
      lastUpdatedTime: num(row['last_updated_time']),
      tags: tags.map(plainTag),
      aliases: aliases.map((a) => ({ alias: str(a['alias']), version: num(a['version']) })),
    };
  }

  // model versions

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    checkValue(options.source, LIMITS.source, 'source');
    const description = options.description ?? '';
    checkValue(description, LIMITS.description, 'description');
    const tags = checkTags(options.tags ?? []);
    const version = await this.write(async (tx) => {
      // The UPDATE locks the model's row, so two registrations at once get consecutive versions.
      await lockModel(tx, options.name);
      if (options.runId !== undefined) await requireRow(tx, `SELECT 1 FROM runs WHERE run_id = ?`, [options.runId], 'run', options.runId);
      if (options.modelId !== undefined)
        await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [options.modelId], 'logged model', options.modelId);
      const [last] = await tx.query<{ v: number | null }>(`SELECT max(version) AS v FROM model_versions WHERE name = ?`, [options.name]);
      const next = (last?.v === null || last?.v === undefined ? 0 : num(last.v)) + 1;
      const now = Date.now();
      await tx.query(
        `INSERT INTO model_versions (name, version, source, run_id, model_id, status, description, creation_time, last_updated_time)
         VALUES (?, ?, ?, ?, ?, 'READY', ?, ?, ?)`,
        [options.name, next, options.source, options.runId ?? null, options.modelId ?? null, description, now, now],
      );
      for (const t of tags) await upsert(tx, 'model_version_tags', ['name', 'version', 'key'], [options.name, next, t.key], t.value);
      return next;
    });
    return this.getModelVersion(options.name, version);
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion> {
    const [row] = await this.read((db) => db.query(`SELECT * FROM model_versions WHERE name = ? AND version = ? AND status <> '${DELETED}'`, [name, version]));
    if (row === undefined) throw notFound('model version', `${name}/${version}`);
    const [found] = await this.versions([row]);
    return found as ModelVersion;
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const [row] = await this.read((db) => db.query<Row>(`SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?`, [name, alias]));
    if (row === undefined) throw notFound('alias', `${name}@${alias}`);
    return this.getModelVersion(name, num(row['version']));
  }

  async listModelVersions(options: { names?: string[]; maxResults?: number; pageToken?: string } = {}): Promise<Page<ModelVersion>> {
    const { offset, limit } = paging(options.pageToken, options.maxResults);
    const names = options.names;
    if (names !== undefined && names.length === 0) return { items: [] };
    const where = `WHERE status <> '${DELETED}'${names === undefined ? '' : ` AND name IN (${names.map(() => '?').join(', ')})`}`;
    const rows = await this.read((db) =>
      db.query(`SELECT * FROM model_versions ${where} ORDER BY name, version DESC LIMIT ? OFFSET ?`, [...(names ?? []), limit + 1, offset]),
    );
    return page(await this.versions(rows.slice(0, limit)), rows.length > limit, offset + limit);
  }

  async updateModelVersion(name: string, version: number, change: { description?: string }): Promise<ModelVersion> {
    if (change.description !== undefined) checkValue(change.description, LIMITS.description, 'description');
    await this.write(async (tx) => {
      await requireLiveVersion(tx, name, version);
      if (change.description !== undefined) {
        await tx.query(`UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?`, [
          change.description,
          Date.now(),
          name,
          version,
        ]);
      }
    });
    return this.getModelVersion(name, version);
  }

  async transitionModelVersionStage(name: string, version: number, stage: string, archiveExisting = false): Promise<ModelVersion> {
    const canonical = canonicalStage(stage);
    if (archiveExisting && canonical !== 'Staging' && canonical !== 'Production') {
      throw new AquiferError('MODEL_STORE_INVALID', `Versions cannot be archived on a transition to ${canonical}, only to Staging or Production`, {
        value: stage,
        hint: 'Leave archive_existing_versions false, or transition to Staging or Production.',
      });
    }
    await this.write(async (tx) => {
      await lockModel(tx, name);
      await requireLiveVersion(tx, name, version);
      const now = Date.now();
      if (archiveExisting) {
        await tx.query(
          `UPDATE model_versions SET current_stage = 'Archived', last_updated_time = ? WHERE name = ? AND version <> ? AND current_stage = ? AND status <> '${DELETED}'`,
          [now, name, version, canonical],
        );
      }
      await tx.query(`UPDATE model_versions SET current_stage = ?, last_updated_time = ? WHERE name = ? AND version = ?`, [canonical, now, name, version]);
    });
    return this.getModelVersion(name, version);
  }

  async deleteModelVersion(name: string, version: number): Promise<void> {
    await this.write(async (tx) => {
      await lockModel(tx, name);
      await requireLiveVersion(tx, name, version);
      await tx.query(`DELETE FROM model_version_tags WHERE name = ? AND version = ?`, [name, version]);
      await tx.query(`DELETE FROM registered_model_aliases WHERE name = ? AND version = ?`, [name, version]);
      // Kept as a tombstone, as MLflow keeps it: a deleted version's number is never given again.
      await tx.query(`UPDATE model_versions SET status = '${DELETED}', last_updated_time = ? WHERE name = ? AND version = ?`, [Date.now(), name, version]);
    });
  }

  async setModelVersionTag(name: string, version: number, tag: Tag): Promise<void> {
    const [checked] = checkTags([tag]);
    await this.write(async (tx) => {
      await requireLiveVersion(tx, name, version);
      await upsert(tx, 'model_version_tags', ['name', 'version', 'key'], [name, version, checked?.key], checked?.value);
    });
  }

  async deleteModelVersionTag(name: string, version: number, key: string): Promise<void> {
    await this.write(async (tx) => {
      await requireLiveVersion(tx, name, version);
      await tx.query(`DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?`, [name, version, key]);
    });
  }

  private async versions(rows: Row[]): Promise<ModelVersion[]> {
    return Promise.all(
      rows.map(async (row) => {
        const name = str(row['name']);
        const version = num(row['version']);
        const [tags, aliases] = await this.read((db) =>
          Promise.all([
            db.query<Tag>(`SELECT key, value FROM model_version_tags WHERE name = ? AND version = ? ORDER BY key`, [name, version]),
            db.query<Row>(`SELECT alias FROM registered_model_aliases WHERE name = ? AND version = ? ORDER BY alias`, [name, version]),
          ]),
        );
        return {
          name,
          version,
          source: str(row['source']),
          runId: row['run_id'] === null || row['run_id'] === undefined ? null : str(row['run_id']),
          modelId: row['model_id'] === null || row['model_id'] === undefined ? null : str(row['model_id']),
          status: str(row['status']) as ModelVersion['status'],
          currentStage: str(row['current_stage']) as ModelStage,
          description: str(row['description']),
          creationTime: num(row['creation_time']),
          lastUpdatedTime: num(row['last_updated_time']),
          tags: tags.map(plainTag),
          aliases: aliases.map((a) => str(a['alias'])),
        };
      }),
    );
  }

  // plumbing: every database failure that is not already typed becomes MODEL_STORE_FAILED, without its SQL.

  private async read<T>(work: (db: SqlDatabase) => Promise<T>): Promise<T> {
    try {
      return await work(this.db);
    } catch (error) {
      throw storeFailed(error);
    }
  }

  private async write<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(work);
    } catch (error) {
      throw storeFailed(error);
    }
  }
}

/**
 * One point into the run's history and latest value, and, when it names a logged model, into
 * that model's metrics (an unknown model is NOT_FOUND: MLflow's foreign key refuses it too).
 */
async function logMetric(tx: SqlExecutor, runId: string, metric: Metric): Promise<void> {
  const { value, isNan } = storedValue(metric.value);
  const point = [runId, metric.key, value, isNan, metric.timestamp, metric.step];
  await tx.query(
    `INSERT INTO run_metric_points (run_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, key, timestamp, step, value, is_nan) DO NOTHING`,
    point,
  );
  await tx.query(
    `INSERT INTO run_latest_metrics (run_id, key, value, is_nan, timestamp, step) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, is_nan = excluded.is_nan, timestamp = excluded.timestamp, step = excluded.step
     WHERE (excluded.step, excluded.timestamp, excluded.value) > (run_latest_metrics.step, run_latest_metrics.timestamp, run_latest_metrics.value)`,
    point,
  );
  if (metric.modelId === undefined) return;
  await requireRow(tx, `SELECT 1 FROM logged_models WHERE model_id = ?`, [metric.modelId], 'logged model', metric.modelId);
  await tx.query(
    `INSERT INTO logged_model_metrics (model_id, key, value, timestamp, step, run_id, dataset_name, dataset_digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model_id, key, timestamp, step, run_id) DO NOTHING`,
    [metric.modelId, metric.key, value, metric.timestamp, metric.step, runId, metric.datasetName ?? null, metric.datasetDigest ?? null],
  );
}

/** Brings an older store's layout up to SCHEMA_VERSION, each step once (the UPDATE locks the row on PostgreSQL). */
async function migrate(tx: SqlExecutor): Promise<void> {
  const [row] = await tx.query<{ value: number }>(`UPDATE aquifer_counters SET value = value WHERE name = 'schema_version' RETURNING value`);
  const from = num(row?.value ?? SCHEMA_VERSION);
  for (let version = from + 1; version <= SCHEMA_VERSION; version++) {
    for (const statement of MIGRATIONS[version] ?? []) await tx.query(statement);
  }
  if (from < SCHEMA_VERSION) await tx.query(`UPDATE aquifer_counters SET value = ? WHERE name = 'schema_version'`, [SCHEMA_VERSION]);
}

function storeFailed(error: unknown): Error {
  if (error instanceof AquiferError) return error;
  return new AquiferError('MODEL_STORE_FAILED', `The model metadata store failed: ${(error as Error).message ?? String(error)}`, {
    hint: 'Check that the metadata database is reachable and writable (.aquifer/models.db, or the PostgreSQL URL in aquifer.json).',
    cause: error,
  });
}

function notFound(what: string, name: string): AquiferError {
  return new AquiferError('MODEL_STORE_NOT_FOUND', `No ${what} ${JSON.stringify(name)}`, {
    value: name,
    hint: `List what exists with \`aquifer models list\` (registered models) or \`aquifer runs list\`.`,
  });
}

function alreadyExists(what: string, name: string): AquiferError {
  return new AquiferError('MODEL_STORE_ALREADY_EXISTS', `A ${what} named ${JSON.stringify(name)} already exists`, {
    value: name,
    hint: `Use the existing ${what}, or choose another name.`,
  });
}

async function requireRow(tx: SqlExecutor, sql: string, params: readonly unknown[], what: string, name: string): Promise<void> {
  if ((await tx.query(sql, params)).length === 0) throw notFound(what, name);
}

/** A version of the model that exists and is not deleted, or MODEL_STORE_NOT_FOUND naming it. */
function requireLiveVersion(tx: SqlExecutor, name: string, version: number): Promise<void> {
  return requireRow(
    tx,
    `SELECT 1 FROM model_versions WHERE name = ? AND version = ? AND status <> '${DELETED}'`,
    [name, version],
    'model version',
    `${name}/${version}`,
  );
}

async function requireActiveRun(tx: SqlExecutor, runId: string): Promise<void> {
  const [row] = await tx.query<{ lifecycle_stage: string }>(`SELECT lifecycle_stage FROM runs WHERE run_id = ?`, [runId]);
  if (row === undefined) throw notFound('run', runId);
  if (row.lifecycle_stage !== 'active') {
    throw new AquiferError('MODEL_STORE_INVALID', `Run ${runId} is deleted; it takes no more data`, { value: runId, hint: 'Restore the run first.' });
  }
}

/** Lock a registered model's row for the rest of the transaction (NOT_FOUND when missing). */
async function lockModel(tx: SqlExecutor, name: string): Promise<void> {
  const updated = await tx.query(`UPDATE registered_models SET last_updated_time = ? WHERE name = ? RETURNING name`, [Date.now(), name]);
  if (updated.length === 0) throw notFound('registered model', name);
}

async function upsert(tx: SqlExecutor, table: string, keyColumns: string[], keys: unknown[], value: unknown, valueColumn = 'value'): Promise<void> {
  await tx.query(
    `INSERT INTO ${table} (${[...keyColumns, valueColumn].join(', ')}) VALUES (${[...keyColumns, valueColumn].map(() => '?').join(', ')})
     ON CONFLICT (${keyColumns.join(', ')}) DO UPDATE SET ${valueColumn} = excluded.${valueColumn}`,
    [...keys, value],
  );
}

function viewClause(view: 'active' | 'deleted' | 'all' | undefined, join: 'WHERE' | 'AND' = 'WHERE'): string {
  if (view === 'all') return '';
  return `${join} lifecycle_stage = '${view === 'deleted' ? 'deleted' : 'active'}'`;
}

function experimentNumber(experimentId: string): number {
  if (!/^\d{1,15}$/.test(experimentId)) {
    throw new AquiferError('MODEL_STORE_NOT_FOUND', `No experiment ${JSON.stringify(experimentId)}`, {
      value: experimentId,
      hint: 'Experiment ids are numbers, such as "0" for Default.',
    });
  }
  return Number(experimentId);
}

function checkTags(tags: Tag[]): Tag[] {
  if (tags.length > LIMITS.batchTags) throw new AquiferError('MODEL_STORE_INVALID', `At most ${LIMITS.batchTags} tags at once`, { value: tags.length });
  for (const tag of tags) {
    checkKey(tag.key, 'tag key');
    checkValue(tag.value, LIMITS.tagValue, `tag ${tag.key}`);
  }
  return tags.map((t) => ({ key: t.key, value: t.value }));
}

function checkMetric(metric: Metric): void {
  checkKey(metric.key, 'metric key');
  // NaN and the infinities are values, as in MLflow (kept as its SQL store keeps them, see storedValue).
  if (typeof metric.value !== 'number') {
    throw new AquiferError('MODEL_STORE_INVALID', `Metric ${metric.key} has no numeric value`, { value: metric.key, hint: 'Log a number.' });
  }
  if (!Number.isSafeInteger(metric.timestamp) || !Number.isSafeInteger(metric.step)) {
    throw new AquiferError('MODEL_STORE_INVALID', `Metric ${metric.key} needs an integer timestamp and step`, {
      value: { timestamp: metric.timestamp, step: metric.step },
    });
  }
}

function checkStatus(status: RunStatus): RunStatus {
  if (!['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'].includes(status)) {
    throw new AquiferError('MODEL_STORE_INVALID', `Unknown run status ${JSON.stringify(status)}`, {
      value: status,
      hint: 'RUNNING, SCHEDULED, FINISHED, FAILED or KILLED.',
    });
  }
  return status;
}

function canonicalStage(stage: string): ModelStage {
  const found = (['None', 'Staging', 'Production', 'Archived'] as const).find((s) => s.toLowerCase() === stage.toLowerCase());
  if (found === undefined) {
    throw new AquiferError('MODEL_STORE_INVALID', `Invalid Model Version stage: ${stage}. Value must be one of None, Staging, Production, Archived.`, {
      value: stage,
    });
  }
  return found;
}

function checkAlias(alias: string): void {
  // MLflow refuses aliases that would read as versions ("v3", "3") and "latest".
  checkName(alias, 'alias');
  if (/^v?\d+$/i.test(alias) || alias.toLowerCase() === 'latest') {
    throw new AquiferError('MODEL_STORE_INVALID', `Alias ${JSON.stringify(alias)} would read as a version`, {
      value: alias,
      hint: 'Use a word such as champion or challenger.',
    });
  }
}

function plainTag(row: Tag | Row): Tag {
  return { key: str(row['key' as keyof typeof row]), value: str(row['value' as keyof typeof row]) };
}

function paging(pageToken: string | undefined, maxResults: number | undefined): { offset: number; limit: number } {
  const limit = Math.min(Math.max(1, maxResults ?? 1000), LIMITS.pageSize);
  if (pageToken === undefined || pageToken === '') return { offset: 0, limit };
  const offset = Number(Buffer.from(pageToken, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new AquiferError('MODEL_STORE_INVALID', 'Invalid page token', { value: pageToken, hint: 'Pass the next_page_token of the previous page unchanged.' });
  }
  return { offset, limit };
}

function page<T>(items: T[], more: boolean, nextOffset: number): Page<T> {
  return more ? { items, nextPageToken: Buffer.from(String(nextOffset), 'utf8').toString('base64url') } : { items };
}
