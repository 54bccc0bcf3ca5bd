import Table from 'cli-table3';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import {
  ArtifactStore,
  HOLDOUT_METRICS,
  openModelStore,
  recordedTraining,
  reproduce,
  retrain,
  resolveModelVersion,
  saveFeedbackTrainingSet,
  train,
  TRAINING_TAGS,
  withTrainingTracking,
  type ModelStore,
  type HoldoutMetric,
  type MetricDirection,
  type ModelVersion,
  type RetrainResult,
  type Run,
  type TrainResult,
} from '../../models/index.js';
import { Project } from '../../project/index.js';
import { startTrainingTracking } from '../../server/index.js';
import { openCommandProject } from '../command-project.js';
import { choice, collectProperty, parseNonNegativeInt } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { CliUsageError } from '../usage-error.js';

const TRAIN_HELP = `
The command runs without a shell, with these in its environment:
  AQUIFER_TRAINING_DIR       the training set: Parquet files and manifest.json (columns, label,
                             entity columns, feature columns in input order, pinned table versions)
  AQUIFER_TRAINING_MANIFEST  that manifest.json
  AQUIFER_MODEL_DIR          where to write the model (model.onnx is what \`aquifer serve\` serves);
                             metrics.json there ({"auc": 0.91, "loss": [0.9, 0.5]}) is logged as metrics
  MLFLOW_TRACKING_URI, MLFLOW_TRACKING_TOKEN, MLFLOW_RUN_ID
                             an MLflow tracking server for this run (unless --no-tracking), so
                             mlflow.log_metric and mlflow.onnx.log_model(registered_model_name=…) land here
A command that exits 0 registers a new version of MODEL; one that fails is kept as a FAILED run.

Example:
  aquifer train churn --training-set churn_train --label churned --param C=0.5 -- python train.py`;

async function withModels<T>(projectDir: string, work: (store: ModelStore, project: Project) => Promise<T>): Promise<T> {
  const project = await openCommandProject(projectDir);
  const store = await openModelStore(project);
  try {
    return await work(store, project);
  } finally {
    await store.close();
  }
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('Run a training command on a saved training set, record the run, and register the model it writes.')
    .argument('<model>', 'the registered model a successful run adds a version to')
    .argument('<command...>', 'the training command and its arguments (after --)')
    .requiredOption('--training-set <name>', 'a saved training set of the project')
    .option('--label <column>', 'the label column, named in the manifest')
    .option('--param <key=value>', 'a run parameter (repeatable)', collectProperty)
    .option('--experiment <name>', 'the MLflow experiment of the run (default: the model name)')
    .option('--no-tracking', 'do not start an MLflow tracking server for the command')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .addHelpText('after', TRAIN_HELP)
    .action(
      async (
        model: string,
        command: string[],
        flags: {
          trainingSet: string;
          label?: string;
          param?: Record<string, string>;
          experiment?: string;
          tracking: boolean;
          project: string;
          format: InfoFormat;
        },
      ) => {
        const result = await withModels(flags.project, async (store, project) => {
          const engine = await sharedEngine();
          return withTrainingTracking(project, engine, flags.tracking ? startTrainingTracking : undefined, (tracking) =>
            train(project, engine, store, {
              model,
              trainingSet: flags.trainingSet,
              command,
              ...(flags.label === undefined ? {} : { label: flags.label }),
              ...(flags.param === undefined ? {} : { params: flags.param }),
              ...(flags.experiment === undefined ? {} : { experiment: flags.experiment }),
              ...(tracking === undefined ? {} : { tracking: { uri: tracking.uri, token: tracking.token } }),
              // The command's own output goes to stderr, so stdout stays the result (and valid JSON with --format json).
              onOutput: (chunk) => process.stderr.write(chunk),
            }),
          );
        });
        if (flags.format === 'json') printJson(trainSummary(result));
        else printText(describeTraining(model, result));
        if (result.exitCode !== 0) {
          throw new AquiferError(
            'MODEL_TRAINING_FAILED',
            `The training command exited with status ${result.exitCode}; run ${result.run.info.runId} is FAILED`,
            {
              value: { run: result.run.info.runId, exitCode: result.exitCode },
              hint: `See its output above, or \`aquifer models runs ${model}\`.`,
            },
          );
        }
      },
    );
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('The model registry: versions, aliases, runs, comparisons and reproduction.');
  models
    .command('list')
    .description('Registered models with their newest version and aliases.')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; format: InfoFormat }) => {
      const listed = await withModels(flags.project, async (store) => {
        const out = [];
        for (const model of (await store.listRegisteredModels()).items) {
          const versions = (await store.listModelVersions({ names: [model.name] })).items;
          out.push({
            name: model.name,
            description: model.description,
            versions: versions.length,
            latest: versions[0]?.version ?? null,
            aliases: model.aliases,
          });
        }
        return out;
      });
      if (flags.format === 'json') return printJson(listed);
      if (listed.length === 0) return printText('No registered models. Train one with `aquifer train`.');
      const table = new Table({ head: ['model', 'versions', 'latest', 'aliases', 'description'], style: { head: [], border: [] } });
      for (const m of listed)
        table.push([m.name, String(m.versions), String(m.latest ?? '-'), m.aliases.map((a) => `${a.alias}→${a.version}`).join(' '), m.description]);
      printText(table.toString());
    });
  models
    .command('show')
    .description('A model version: its run (params, metrics, status), training set, pinned table versions and files.')
    .argument('<model>', 'registered model')
    .argument('[version]', 'a number, an alias (champion or @champion), or latest', 'latest')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (model: string, reference: string, flags: { project: string; format: InfoFormat }) => {
      const shown = await withModels(flags.project, async (store) => {
        const version = await resolveModelVersion(store, model, reference);
        const run = version.runId === null ? undefined : await store.getRun(version.runId);
        return { version, run };
      });
      if (flags.format === 'json') return printJson({ ...versionJson(shown.version), run: shown.run === undefined ? null : runJson(shown.run) });
      printText(describeVersion(shown.version, shown.run));
    });
  models
    .command('alias')
    .description('Point an alias (champion, challenger, …) at a version, or remove it with --delete.')
    .argument('<model>', 'registered model')
    .argument('<alias>', 'the alias')
    .argument('[version]', 'the version it points at')
    .option('--delete', 'remove the alias')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (model: string, alias: string, version: string | undefined, flags: { delete?: boolean; project: string; format: InfoFormat }) => {
      const out = await withModels(flags.project, async (store) => {
        if (flags.delete === true) {
          await store.deleteAlias(model, alias);
          return { model, alias, version: null };
        }
        if (version === undefined || !/^\d+$/.test(version)) {
          throw new AquiferError('MODEL_STORE_INVALID', `Give the version number the alias ${alias} points at`, {
            value: version ?? null,
            hint: `aquifer models alias ${model} ${alias} 3`,
          });
        }
        await store.setAlias(model, alias, Number(version));
        return { model, alias, version: Number(version) };
      });
      if (flags.format === 'json') printJson(out);
      else printText(out.version === null ? `Removed ${model}@${alias}.` : `${model}@${alias} → version ${out.version}.`);
    });
  models
    .command('compare')
    .description('Versions side by side: metrics, params, training set and digest, run status.')
    .argument('<model>', 'registered model')
    .argument('<versions...>', 'two or more versions (numbers or aliases)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (model: string, references: string[], flags: { project: string; format: InfoFormat }) => {
      const compared = await withModels(flags.project, async (store) => {
        const out = [];
        for (const reference of references) {
          const version = await resolveModelVersion(store, model, reference);
          out.push({ version, run: version.runId === null ? undefined : await store.getRun(version.runId) });
        }
        return out;
      });
      if (flags.format === 'json') return printJson(compared.map((c) => ({ ...versionJson(c.version), run: c.run === undefined ? null : runJson(c.run) })));
      printText(compareTable(compared));
    });
  models
    .command('reproduce')
    .description("Recreate a version's training set from the table versions it pinned and check the rows are identical (a digest).")
    .argument('<model>', 'registered model')
    .argument('<version>', 'a number or an alias')
    .option('--rerun', 'also run the recorded training command again on the recreated set (a new version)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (model: string, reference: string, flags: { rerun?: boolean; project: string; format: InfoFormat }) => {
      const out = await withModels(flags.project, async (store, project) => {
        const engine = await sharedEngine();
        const version = await resolveModelVersion(store, model, reference);
        const reproduction = await reproduce(project, engine, store, model, version.version);
        let rerun: TrainResult | undefined;
        if (flags.rerun === true && reproduction.identical) rerun = await rerunVersion(project, store, version);
        return { reproduction, rerun };
      });
      const { reproduction, rerun } = out;
      if (flags.format === 'json') printJson({ ...reproduction, ...(rerun === undefined ? {} : { rerun: trainSummary(rerun) }) });
      else {
        printText(
          reproduction.identical
            ? `Identical: ${reproduction.actual.rows} rows of ${reproduction.trainingSet}, ${reproduction.actual.digest}, as version ${reproduction.version} was trained on.`
            : `Different: version ${reproduction.version} was trained on ${reproduction.expected.rows} rows (${reproduction.expected.digest}); recreated ${reproduction.actual.rows} rows (${reproduction.actual.digest}).`,
        );
        if (rerun !== undefined) printText(describeTraining(model, rerun));
      }
      if (!reproduction.identical) {
        throw new AquiferError(
          'MODEL_REPRODUCE_MISMATCH',
          `The recreated training set of ${model} version ${reproduction.version} differs from the one it was trained on`,
          {
            value: { expected: reproduction.expected, actual: reproduction.actual },
            hint: 'A pinned table version may have been vacuumed or restored over; see `aquifer table history`.',
          },
        );
      }
    });
  registerRetrain(models);
  models
    .command('feedback-set')
    .description(
      'Save what the model was served and the labels fed back for it as a training set (the features as served, typed, and a label column), to train the next version on.',
    )
    .argument('<model>', 'registered model')
    .argument('<name>', 'the training set to save (a table name in the project)')
    .option('--version <version>', 'the version whose features it holds (a number or an alias; default: the newest)')
    .option('--overwrite', 'replace a training set already saved under that name')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (model: string, name: string, flags: { version?: string; overwrite?: boolean; project: string; format: InfoFormat }) => {
      const saved = await withModels(flags.project, async (store, project) =>
        saveFeedbackTrainingSet(project, await sharedEngine(), store, {
          model,
          name,
          ...(flags.version === undefined ? {} : { version: flags.version }),
          ...(flags.overwrite === true ? { overwrite: true } : {}),
        }),
      );
      if (flags.format === 'json') return printJson(saved);
      printText(
        `Saved ${saved.name}: ${saved.rows} labelled predictions of ${model} (the features of version ${saved.origin.modelVersion}), from ${saved.origin.predictions.table}@${saved.origin.predictions.version} and ${saved.origin.feedback.table}@${saved.origin.feedback.version}. Train on it with: aquifer train ${model} --training-set ${saved.name} --label label -- <command>`,
      );
    });
  models
    .command('runs')
    .description("A model's training runs, newest first: status, exit code, params and metrics.")
    .argument('<model>', 'the model (its experiment)')
    .option('--experiment <name>', 'the experiment, when not named after the model')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (model: string, flags: { experiment?: string; project: string; format: InfoFormat }) => {
      const runs = await withModels(flags.project, async (store) => {
        const experiment = await store.findExperiment(flags.experiment ?? model);
        if (experiment === undefined) return [];
        return (await store.searchRuns({ experimentIds: [experiment.experimentId] })).items;
      });
      if (flags.format === 'json') return printJson(runs.map(runJson));
      if (runs.length === 0) return printText(`No runs for ${model}.`);
      const table = new Table({ head: ['run', 'started', 'status', 'exit', 'training set', 'metrics'], style: { head: [], border: [] } });
      for (const run of runs) {
        table.push([
          run.info.runId.slice(0, 12),
          new Date(run.info.startTime).toISOString(),
          run.info.status,
          tagOf(run, TRAINING_TAGS.exitCode) ?? '-',
          tagOf(run, TRAINING_TAGS.trainingSet) ?? '-',
          run.metrics.map((m) => `${m.key}=${round(m.value)}`).join(' '),
        ]);
      }
      printText(table.toString());
    });
}

/** The recorded command rerun on the recorded training set, with the run's params, label and experiment (as retraining reruns it). */
async function rerunVersion(project: Project, store: ModelStore, version: ModelVersion): Promise<TrainResult> {
  const recorded = await recordedTraining(store, ArtifactStore.forProject(project), version);
  return train(project, await sharedEngine(), store, {
    model: version.name,
    trainingSet: recorded.trainingSet as string,
    command: recorded.command ?? [],
    params: recorded.params,
    ...(recorded.label === undefined ? {} : { label: recorded.label }),
    ...(recorded.experiment === undefined ? {} : { experiment: recorded.experiment }),
    onOutput: (chunk) => process.stderr.write(chunk),
  });
}

const tagOf = (run: Run, key: string): string | undefined => run.tags.find((t) => t.key === key)?.value;
const round = (value: number): string => String(Math.round(value * 1e6) / 1e6);

function trainSummary(result: TrainResult): Record<string, unknown> {
  return {
    run: runJson(result.run),
    exitCode: result.exitCode,
    trainingSet: { name: result.manifest.trainingSet, version: result.manifest.tableVersion, rows: result.manifest.rows, digest: result.manifest.digest },
    version: result.version === undefined ? null : versionJson(result.version),
  };
}

function describeTraining(model: string, result: TrainResult): string {
  const run = result.run;
  const head = `Run ${run.info.runId} ${run.info.status} (exit ${result.exitCode}) on ${result.manifest.rows} rows of ${result.manifest.trainingSet}@v${result.manifest.tableVersion}.`;
  const metrics = run.metrics.length === 0 ? '' : `\nMetrics: ${run.metrics.map((m) => `${m.key}=${round(m.value)}`).join(', ')}.`;
  const version =
    result.version !== undefined
      ? `\nRegistered ${model} version ${result.version.version}.`
      : result.exitCode === 0
        ? `\nThe command wrote nothing to AQUIFER_MODEL_DIR: no version registered.`
        : '';
  return head + metrics + version;
}

function versionJson(v: ModelVersion): Record<string, unknown> {
  return { ...v, trainingSet: v.tags.find((t) => t.key === TRAINING_TAGS.trainingSet)?.value ?? null };
}

function runJson(run: Run): Record<string, unknown> {
  return { ...run.info, params: run.params, metrics: run.metrics, tags: run.tags, inputs: run.inputs, outputs: run.outputs };
}

function describeVersion(v: ModelVersion, run: Run | undefined): string {
  const tag = (key: string): string => v.tags.find((t) => t.key === key)?.value ?? '-';
  const lines = [
    `${v.name} version ${v.version}${v.aliases.length > 0 ? ` (${v.aliases.map((a) => `@${a}`).join(', ')})` : ''}, ${v.status}, registered ${new Date(v.creationTime).toISOString()}`,
    `  source         ${v.source}`,
    `  training set   ${tag(TRAINING_TAGS.trainingSet)} @v${tag(TRAINING_TAGS.trainingSetVersion)}, ${tag(TRAINING_TAGS.trainingSetRows)} rows, ${tag(TRAINING_TAGS.trainingSetDigest)}`,
  ];
  if (run !== undefined) {
    const input = run.inputs[0]?.dataset.source;
    const sources = input === undefined ? [] : ((JSON.parse(input) as { sources?: { table: string; version: number }[] }).sources ?? []);
    if (sources.length > 0) lines.push(`  pinned tables  ${sources.map((s) => `${s.table}@v${s.version}`).join(', ')}`);
    lines.push(
      `  run            ${run.info.runId} ${run.info.status}, exit ${tagOf(run, TRAINING_TAGS.exitCode) ?? '-'}, commit ${tagOf(run, 'mlflow.source.git.commit') ?? '-'}${tagOf(run, TRAINING_TAGS.gitDirty) === 'true' ? ' (dirty)' : ''}`,
      `  command        ${tagOf(run, 'mlflow.source.name') ?? '-'}`,
      `  params         ${run.params.map((p) => `${p.key}=${p.value}`).join(', ') || '-'}`,
      `  metrics        ${run.metrics.map((m) => `${m.key}=${round(m.value)}`).join(', ') || '-'}`,
    );
  }
  return lines.join('\n');
}

function compareTable(compared: { version: ModelVersion; run: Run | undefined }[]): string {
  const keys = (pick: (run: Run) => { key: string }[]): string[] =>
    [...new Set(compared.flatMap((c) => (c.run === undefined ? [] : pick(c.run).map((x) => x.key))))].sort();
  const table = new Table({
    head: ['', ...compared.map((c) => `v${c.version.version}${c.version.aliases.map((a) => ` @${a}`).join('')}`)],
    style: { head: [], border: [] },
  });
  const tag = (c: { version: ModelVersion }, key: string): string => c.version.tags.find((t) => t.key === key)?.value ?? '-';
  table.push(['training set', ...compared.map((c) => `${tag(c, TRAINING_TAGS.trainingSet)}@v${tag(c, TRAINING_TAGS.trainingSetVersion)}`)]);
  table.push(['rows', ...compared.map((c) => tag(c, TRAINING_TAGS.trainingSetRows))]);
  table.push(['digest', ...compared.map((c) => tag(c, TRAINING_TAGS.trainingSetDigest).slice(0, 16))]);
  table.push(['run status', ...compared.map((c) => c.run?.info.status ?? '-')]);
  for (const key of keys((r) => r.metrics))
    table.push([
      `metric ${key}`,
      ...compared.map((c) => {
        const m = c.run?.metrics.find((x) => x.key === key);
        return m === undefined ? '-' : round(m.value);
      }),
    ]);
  for (const key of keys((r) => r.params)) table.push([`param ${key}`, ...compared.map((c) => c.run?.params.find((x) => x.key === key)?.value ?? '-')]);
  return table.toString();
}

const RETRAIN_HELP = `
Steps, each recorded on the new run and version (aquifer.retrain.* tags, holdout_<metric> metrics):
  1. the training set the alias's version learned from is saved again over the tables' latest
     versions as <set>-retrain-<time> (--training-set names another, --no-refresh trains on it as is)
  2. the recorded training command runs on it (or the command after --) and registers a version
  3. both versions predict the holdout (a table of the project with the label column) through the
     serving code, and are scored by --metric
  4. the alias moves to the new version only when it scores better by at least --min-improvement;
     otherwise the new version is tagged aquifer.retrain.outcome=rejected
Exits 0 whether or not the alias moved; non-zero when the training command fails (nothing registered).

Example:
  aquifer models retrain churn --holdout churn_holdout --metric f1 --min-improvement 0.01`;

function registerRetrain(models: Command): void {
  models
    .command('retrain')
    .description(
      "Train a new version on a fresh training set, score it and the alias's version on a holdout, and move the alias only when the new one is better.",
    )
    .argument('<model>', 'registered model')
    .argument('[command...]', "the training command (after --); by default the one the alias's version was trained with")
    .requiredOption('--holdout <table>', 'the rows to score both versions on: a table or saved training set of the project, with the label column')
    .requiredOption(
      '--metric <metric>',
      `the holdout metric: ${Object.keys(HOLDOUT_METRICS).join(', ')}`,
      choice(Object.keys(HOLDOUT_METRICS) as HoldoutMetric[]),
    )
    .option('--alias <alias>', 'the alias the new version challenges', 'champion')
    .option('--trigger <name>', 'what started the retraining, kept as a tag (a monitor name)', 'manual')
    .option('--training-set <name>', "the saved training set to refresh (default: the one the alias's version learned from)")
    .option('--no-refresh', 'train on the training set as it is saved, not refreshed')
    .option('--label <column>', "the training set's label column (default: the one the alias's version was trained with)")
    .option('--param <key=value>', 'a run parameter (repeatable; default: those of the recorded run)', collectProperty)
    .option('--holdout-where <sql>', "SQL filter over the holdout's columns")
    .option('--holdout-version <n>', 'the version of the holdout table (default: latest)', parseNonNegativeInt)
    .option('--holdout-label <column>', "the holdout's label column (default: the training label)")
    .option('--direction <direction>', 'higher or lower is better (default: by metric)', choice(['higher', 'lower'] as const))
    .option('--min-improvement <n>', 'how much better the new version must score', parseNumber, 0)
    .option('--positive-label <value>', 'the positive class for precision, recall and f1', '1')
    .option('--no-tracking', 'do not start an MLflow tracking server for the command')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .addHelpText('after', RETRAIN_HELP)
    .action(
      async (
        model: string,
        command: string[],
        flags: {
          holdout: string;
          metric: HoldoutMetric;
          alias: string;
          trigger: string;
          trainingSet?: string;
          refresh: boolean;
          label?: string;
          param?: Record<string, string>;
          holdoutWhere?: string;
          holdoutVersion?: number;
          holdoutLabel?: string;
          direction?: MetricDirection;
          minImprovement: number;
          positiveLabel: string;
          tracking: boolean;
          project: string;
          format: InfoFormat;
        },
      ) => {
        const result = await withModels(flags.project, async (store, project) => {
          const engine = await sharedEngine();
          return withTrainingTracking(project, engine, flags.tracking ? startTrainingTracking : undefined, (tracking) =>
            retrain(project, engine, store, {
              model,
              alias: flags.alias,
              trigger: flags.trigger,
              refresh: flags.refresh,
              holdout: {
                table: flags.holdout,
                ...(flags.holdoutWhere === undefined ? {} : { where: flags.holdoutWhere }),
                ...(flags.holdoutVersion === undefined ? {} : { version: flags.holdoutVersion }),
                ...(flags.holdoutLabel === undefined ? {} : { label: flags.holdoutLabel }),
              },
              metric: flags.metric,
              minImprovement: flags.minImprovement,
              positiveLabel: flags.positiveLabel,
              ...(command.length === 0 ? {} : { command }),
              ...(flags.trainingSet === undefined ? {} : { trainingSet: flags.trainingSet }),
              ...(flags.label === undefined ? {} : { label: flags.label }),
              ...(flags.param === undefined ? {} : { params: flags.param }),
              ...(flags.direction === undefined ? {} : { direction: flags.direction }),
              ...(tracking === undefined ? {} : { tracking: { uri: tracking.uri, token: tracking.token } }),
              onOutput: (chunk) => process.stderr.write(chunk),
            }),
          );
        });
        if (flags.format === 'json') printJson(result);
        else printText(describeRetraining(result));
        if (result.outcome === 'failed' && result.exitCode !== 0) {
          throw new AquiferError('MODEL_TRAINING_FAILED', `The training command exited with status ${result.exitCode}; run ${result.runId} is FAILED`, {
            value: { run: result.runId, exitCode: result.exitCode },
            hint: `Nothing was registered and ${model}@${result.alias} still points at version ${result.aliasVersion}. See the command's output above.`,
          });
        }
      },
    );
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new CliUsageError(`'${value}' is not a number`, value, 'Give a number, such as 0.01.');
  return n;
}

function describeRetraining(r: RetrainResult): string {
  const set = `${r.trainingSet.name}@v${r.trainingSet.version} (${r.trainingSet.rows} rows${r.trainingSet.refreshedFrom === null ? '' : `, refreshed from ${r.trainingSet.refreshedFrom}`})`;
  const lines = [`Retrained ${r.model} (trigger ${r.trigger}): run ${r.runId}, exit ${r.exitCode}, on ${set}.`];
  const score = (value: number | null): string => (value === null ? '-' : round(value));
  lines.push(
    `Holdout ${r.holdout.table}@v${r.holdout.version}, ${r.holdout.rows} rows, ${r.metric.name} (${r.metric.direction} is better): ` +
      `${r.version === null ? 'no new version' : `version ${r.version} ${score(r.metric.candidate)}`}, version ${r.previousVersion} (@${r.alias}) ${score(r.metric.previous)}.`,
  );
  const head =
    r.outcome === 'promoted'
      ? `Promoted: ${r.model}@${r.alias} → version ${r.aliasVersion}.`
      : r.outcome === 'rejected'
        ? `Not promoted: ${r.model}@${r.alias} stays at version ${r.aliasVersion}.`
        : `Failed: ${r.model}@${r.alias} stays at version ${r.aliasVersion}.`;
  lines.push(`${head} ${r.reason}`);
  return lines.join('\n');
}
