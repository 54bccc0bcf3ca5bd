import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import { tableDataset, withJobRun, type JobRun } from '../../observe/index.js';
import type { Project } from '../../project/index.js';
import { ArtifactStore } from '../artifacts/artifact-store.js';
import { ModelLoader } from '../serving/model-loader.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelVersion, Tag } from '../store/types.js';
import { modelDataset, trainingSetDataset } from '../training/job-datasets.js';
import { train, type TrainOptions, type TrainResult } from '../training/train.js';
import { recordedTraining } from '../training/recorded-training.js';
import { freshTrainingSetName, saveFreshTrainingSet } from './fresh-training-set.js';
import { readHoldout, scoreVersion, type HoldoutSource } from './holdout.js';
import { compareScores, defaultDirection, isHoldoutMetric, type HoldoutMetric, type MetricDirection } from './holdout-metrics.js';
import { RETRAIN_TAGS } from './retrain-tags.js';

export interface RetrainOptions {
  /** The registered model to retrain. */
  model: string;
  /** The alias the new version challenges, and moves when it wins; `champion` by default. */
  alias?: string;
  /** What started the retraining, kept on the run and the version: `manual` by default, or a monitor's name. */
  trigger?: string;
  /**
   * The saved training set whose definition is refreshed (saved again over the tables' latest
   * versions, under `<set>-retrain-<time>`); the one the alias's version was trained on by default.
   */
  trainingSet?: string;
  /** false: train on `trainingSet` as it is saved, without refreshing it. */
  refresh?: boolean;
  /** The training command; by default the one the alias's version was trained with, rerun with that run's params. */
  command?: readonly string[];
  params?: Readonly<Record<string, string>>;
  /** The training set's label column; by default the one the alias's version was trained with. */
  label?: string;
  /** The rows both versions are scored on; its label column is the training label unless named. */
  holdout: Omit<HoldoutSource, 'label'> & { label?: string };
  metric: HoldoutMetric;
  /** Which way is better; by the metric by default (accuracy higher, rmse lower). */
  direction?: MetricDirection;
  /** How much better the new version must score to move the alias (> 0 always: a tie keeps the current version). 0 by default. */
  minImprovement?: number;
  /** The positive class for precision, recall and f1; 1 by default. */
  positiveLabel?: unknown;
  /** Passed to train(): the command's working folder, environment, tracking server, output and cancellation. */
  cwd?: string;
  env?: Readonly<Record<string, string>>;
  tracking?: TrainOptions['tracking'];
  onOutput?: TrainOptions['onOutput'];
  signal?: AbortSignal;
  /** The time the fresh training set is named after; now by default. */
  now?: () => Date;
}

export type RetrainOutcome = 'promoted' | 'rejected' | 'failed';

export interface RetrainResult {
  model: string;
  alias: string;
  trigger: string;
  outcome: RetrainOutcome;
  /** Why, in a sentence. */
  reason: string;
  /** The version the alias pointed at when retraining started. */
  previousVersion: number;
  /** The version the alias points at now. */
  aliasVersion: number;
  trainingSet: { name: string; version: number; rows: number; refreshedFrom: string | null };
  runId: string;
  exitCode: number;
  /** The version registered by the run; null when it failed or wrote no model. */
  version: number | null;
  metric: {
    name: HoldoutMetric;
    direction: MetricDirection;
    minImprovement: number;
    previous: number | null;
    candidate: number | null;
    /** candidate − previous when higher is better, previous − candidate when lower is. */
    improvement: number | null;
  };
  holdout: { table: string; version: number; rows: number };
}

/**
 * The retraining step of the feedback loop: save a fresh training set, train a new version
 * with the command the alias's version was trained with, score both versions on a holdout
 * through the serving code, and move the alias only when the new version is better by at
 * least `minImprovement`. Every step is recorded: the run (through train()), holdout metrics
 * on the new run, `aquifer.retrain.*` tags on the run and the version, and, when lineage
 * listens, a `models.retrain.<model>` job run around the training set's and the training's
 * own runs. A failed training run registers nothing and leaves the alias where it was.
 */
export async function retrain(project: Project, engine: Engine, store: ModelStore, options: RetrainOptions): Promise<RetrainResult> {
  const alias = options.alias ?? 'champion';
  const trigger = options.trigger ?? 'manual';
  const job = {
    name: `models.retrain.${options.model}`,
    type: 'RETRAIN',
    project: project.root,
    parameters: { alias, trigger, metric: options.metric },
  };
  return withJobRun(job, async (run) => {
    const result = await retrainRun(project, engine, store, { ...options, alias, trigger }, run);
    run.addParameters({
      outcome: result.outcome,
      previous_version: String(result.previousVersion),
      ...(result.version === null ? {} : { version: String(result.version) }),
    });
    return result;
  });
}

async function retrainRun(
  project: Project,
  engine: Engine,
  store: ModelStore,
  options: RetrainOptions & { alias: string; trigger: string },
  job: JobRun,
): Promise<RetrainResult> {
  const { model, alias, trigger } = options;
  if (!isHoldoutMetric(options.metric))
    throw new AquiferError('MODEL_RETRAIN_INVALID', `Unknown holdout metric ${JSON.stringify(options.metric)}`, {
      value: options.metric,
      hint: 'Use accuracy, precision, recall or f1 for a classifier; rmse or mae for a regressor.',
    });
  const direction = options.direction ?? defaultDirection(options.metric);
  const minImprovement = options.minImprovement ?? 0;
  const artifacts = ArtifactStore.forProject(project);
  const current = await store.getModelVersionByAlias(model, alias);
  job.input(modelDataset(project.config.name, model, current.version));
  const recorded = await recordedTraining(store, artifacts, current);
  const command =
    options.command ?? recorded.command ?? missing(current, 'training command to rerun', 'Give the training command (after -- on the command line).');
  // The recorded params belong to the recorded command.
  const params = options.params ?? (options.command === undefined ? recorded.params : {});
  const label = options.label ?? recorded.label;
  const holdoutLabel = options.holdout.label ?? label;
  if (holdoutLabel === undefined)
    throw new AquiferError('MODEL_RETRAIN_INVALID', `Name the holdout's label column: version ${current.version} of ${model} recorded none`, {
      value: { model, version: current.version },
      hint: 'Give the label (--label, or --holdout-label for the holdout alone).',
    });

  // The holdout is read, and the current version scored, before any training: a holdout that cannot be scored should cost no run.
  const holdout = await readHoldout(project, engine, { ...options.holdout, label: holdoutLabel });
  job.input({ ...tableDataset(holdout.location), kind: 'table', version: String(holdout.version) });
  const loader = new ModelLoader(store, artifacts);
  const metricOptions = options.positiveLabel === undefined ? {} : { positiveLabel: options.positiveLabel };
  const previous = await scoreVersion(project, engine, loader, model, current.version, holdout, options.metric, metricOptions);

  const source = options.trainingSet ?? recorded.trainingSet ?? missing(current, 'training set to refresh', 'Name a saved training set (--training-set).');
  const fresh =
    options.refresh === false
      ? undefined
      : await saveFreshTrainingSet(project, engine, store, source, freshTrainingSetName(source, (options.now ?? (() => new Date()))()));
  const trained = await train(project, engine, store, {
    model,
    trainingSet: fresh?.name ?? source,
    command,
    params,
    ...(label === undefined ? {} : { label }),
    ...(recorded.experiment === undefined ? {} : { experiment: recorded.experiment }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.tracking === undefined ? {} : { tracking: options.tracking }),
    ...(options.onOutput === undefined ? {} : { onOutput: options.onOutput }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  job.input(trainingSetDataset(project.config.name, trained.manifest.trainingSet, trained.manifest.tableVersion));
  const runId = trained.run.info.runId;
  const base = {
    model,
    alias,
    trigger,
    previousVersion: current.version,
    trainingSet: {
      name: trained.manifest.trainingSet,
      version: trained.manifest.tableVersion,
      rows: trained.manifest.rows,
      refreshedFrom: fresh === undefined ? null : source,
    },
    runId,
    exitCode: trained.exitCode,
    holdout: { table: holdout.table, version: holdout.version, rows: holdout.rows.length },
  };
  const metric = { name: options.metric, direction, minImprovement };
  const runTags: Tag[] = [
    { key: RETRAIN_TAGS.trigger, value: trigger },
    { key: RETRAIN_TAGS.alias, value: alias },
    { key: RETRAIN_TAGS.previousVersion, value: String(current.version) },
    ...(fresh === undefined ? [] : [{ key: RETRAIN_TAGS.refreshedFrom, value: source }]),
  ];

  if (trained.version === undefined) {
    const reason = failureReason(trained);
    await store.logBatch(runId, { tags: [...runTags, { key: RETRAIN_TAGS.outcome, value: 'failed' }, { key: RETRAIN_TAGS.reason, value: reason }] });
    return {
      ...base,
      outcome: 'failed',
      reason,
      aliasVersion: current.version,
      version: null,
      metric: { ...metric, previous, candidate: null, improvement: null },
    };
  }
  const version = trained.version.version;
  job.output(modelDataset(project.config.name, model, version));
  const candidate = await scoreVersion(project, engine, loader, model, version, holdout, options.metric, metricOptions).catch(async (error: unknown) => {
    // A version that cannot be served is never promoted; say so where the next reader looks, then let the caller see why.
    const reason = `Version ${version} could not be scored on the holdout: ${error instanceof Error ? error.message : String(error)}`.slice(0, 5000);
    const tags = [...runTags, { key: RETRAIN_TAGS.outcome, value: 'rejected' }, { key: RETRAIN_TAGS.reason, value: reason }];
    await store.logBatch(runId, { tags });
    for (const tag of tags) await store.setModelVersionTag(model, version, tag);
    throw error;
  });
  const { improvement, better } = compareScores(previous, candidate, direction, minImprovement);
  const scored = { ...metric, previous, candidate, improvement };
  await store.logBatch(runId, {
    metrics: [
      { key: `holdout_${options.metric}`, value: candidate, timestamp: Date.now(), step: 0 },
      { key: `${alias}_holdout_${options.metric}`, value: previous, timestamp: Date.now(), step: 0 },
    ],
  });

  let outcome: RetrainOutcome;
  let reason: string;
  const scores = `${options.metric} ${round(candidate)} against ${round(previous)} for version ${current.version} on ${holdout.rows.length} holdout rows`;
  if (!better) {
    outcome = 'rejected';
    reason = `Version ${version} is not better by at least ${minImprovement} (${direction} is better): ${scores}.`;
  } else {
    // Another writer may have moved the alias while this run trained: theirs stands, and this version is not promoted over it.
    const now = await store.getModelVersionByAlias(model, alias);
    if (now.version !== current.version) {
      outcome = 'rejected';
      reason = `The alias ${alias} moved to version ${now.version} while version ${version} trained; it was left there. ${scores}.`;
    } else {
      await store.setAlias(model, alias, version);
      outcome = 'promoted';
      reason = `Version ${version} is better by ${round(improvement)}: ${scores}.`;
    }
  }
  const tags: Tag[] = [
    ...runTags,
    { key: RETRAIN_TAGS.outcome, value: outcome },
    { key: RETRAIN_TAGS.reason, value: reason },
    { key: RETRAIN_TAGS.metric, value: options.metric },
    { key: RETRAIN_TAGS.candidateValue, value: String(candidate) },
    { key: RETRAIN_TAGS.previousValue, value: String(previous) },
    { key: RETRAIN_TAGS.holdout, value: `${holdout.table}@${holdout.version}` },
  ];
  await store.logBatch(runId, { tags });
  for (const tag of tags) await store.setModelVersionTag(model, version, tag);
  const aliasVersion = outcome === 'promoted' ? version : (await store.getModelVersionByAlias(model, alias)).version;
  return { ...base, outcome, reason, aliasVersion, version, metric: scored };
}

function missing(version: ModelVersion, what: string, hint: string): never {
  throw new AquiferError('MODEL_RETRAIN_INVALID', `Version ${version.version} of ${version.name} records no ${what}`, {
    value: { model: version.name, version: version.version },
    hint,
  });
}

function failureReason(trained: TrainResult): string {
  return trained.exitCode !== 0
    ? `The training command exited with status ${trained.exitCode}; run ${trained.run.info.runId} is FAILED and nothing was registered.`
    : `The training command wrote no model to AQUIFER_MODEL_DIR; nothing was registered.`;
}

const round = (value: number): string => String(Math.round(value * 1e6) / 1e6);
