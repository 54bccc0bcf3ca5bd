import Table from 'cli-table3';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import {
  MODEL_TASKS,
  modelDriftReport,
  modelQuality,
  QUALITY_WINDOWS,
  type ColumnDriftOptions,
  type ModelDriftReport,
  type ModelQuality,
  type ModelTask,
  type QualityWindow,
} from '../../monitor/index.js';
import { openCommandProject } from '../command-project.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { CliUsageError } from '../usage-error.js';

/** `monitor drift --model`: the flags that make the reference and current data a model version's training set and prediction log. */
export interface ModelDriftFlags {
  model?: string;
  since?: string;
  until?: string;
  task?: ModelTask;
}

/** Add `--model`, `--since`, `--until` and `--task` to `monitor drift`. */
export function addModelDriftOptions(drift: Command): Command {
  return drift
    .option(
      '--model <name[@version|@alias]>',
      "instead of --reference/--current: the training set behind a model version (the newest by default) against its prediction log; the features it was served, and its predictions (as 'prediction') against the training label",
    )
    .option('--since <time>', 'with --model: only predictions logged at or after this time (ISO 8601, such as 2026-05-01 or 2026-05-01T12:00:00Z)')
    .option('--until <time>', 'with --model: only predictions logged before this time')
    .option(
      '--task <task>',
      `with --model: compare predictions as classes or numbers (${MODEL_TASKS.join(', ')}; default: read from the log)`,
      choice(MODEL_TASKS),
    );
}

/** The drift report `monitor drift --model` prints: reference and current from the model. */
export async function modelDriftFromFlags(
  flags: ModelDriftFlags & { reference?: string; current?: string; referenceFile?: string; currentFile?: string; project?: string },
  common: { driftShare: number; perColumn: Record<string, ColumnDriftOptions>; columns?: string[]; distributions: boolean },
): Promise<ModelDriftReport> {
  const given = [flags.reference, flags.current, flags.referenceFile, flags.currentFile].some((v) => v !== undefined);
  if (given)
    throw new CliUsageError(
      'Give --model, or --reference and --current, not both',
      flags.model,
      "--model reads the reference (the version's training set) and the current data (its prediction log) from the model.",
    );
  const ref = modelRef(flags.model as string);
  const project = await openCommandProject(flags.project ?? '.');
  return modelDriftReport(project, await sharedEngine(), {
    model: ref.name,
    ...(ref.version === undefined ? {} : { version: ref.version }),
    ...(flags.since === undefined ? {} : { since: flags.since }),
    ...(flags.until === undefined ? {} : { until: flags.until }),
    ...(flags.task === undefined ? {} : { task: flags.task }),
    ...common,
  });
}

interface QualityFlags {
  version?: string;
  window: QualityWindow;
  since?: string;
  until?: string;
  task?: ModelTask;
  positive?: string;
  project: string;
  format: InfoFormat;
}

/** `monitor model-quality NAME`: a model's quality per window from its labeled predictions. */
export function registerModelQuality(monitor: Command): void {
  monitor
    .command('model-quality')
    .description(
      "A model's quality over time from the labels fed back for its predictions (POST /v1/models/{name}/feedback), per window of prediction time and per version: the labeled predictions, and accuracy, precision, recall and F1 for a classifier (of class 1 with two classes, macro-averaged with more) or RMSE and MAE for a regressor.",
    )
    .argument('<name[@version|@alias]>', 'the model; with a version or alias, only its predictions (every version by default)')
    .option('--window <window>', `the window predictions are grouped by, in UTC: ${QUALITY_WINDOWS.join(', ')}`, choice(QUALITY_WINDOWS), 'day')
    .option('--since <time>', 'only predictions made at or after this time (ISO 8601)')
    .option('--until <time>', 'only predictions made before this time')
    .option('--task <task>', `${MODEL_TASKS.join(' or ')} (default: read from the log)`, choice(MODEL_TASKS))
    .option('--positive <class>', "a binary classifier's positive class (default 1); a number when it reads as one")
    .option('--project <dir>', 'project folder', '.')
    .option(
      '--format <format>',
      'text or json (an array of {window_start, version, count, accuracy, precision, recall, f1} or {…, rmse, mae})',
      choice(['text', 'json'] as const),
      'text',
    )
    .action(async (name: string, flags: QualityFlags) => {
      const ref = modelRef(name);
      const project = await openCommandProject(flags.project);
      const quality = await modelQuality(project, await sharedEngine(), {
        model: ref.name,
        window: flags.window,
        ...(ref.version === undefined ? {} : { version: ref.version }),
        ...(flags.since === undefined ? {} : { since: flags.since }),
        ...(flags.until === undefined ? {} : { until: flags.until }),
        ...(flags.task === undefined ? {} : { task: flags.task }),
        ...(flags.positive === undefined ? {} : { positive: positiveClass(flags.positive) }),
      });
      if (flags.format === 'json') printJson(quality.rows);
      else printText(renderQuality(quality));
    });
}

/**
 * `NAME`, `NAME@3` or `NAME@champion` (as the prediction routes read it), parsed here so that
 * `aquifer monitor` loads the models capability only when a model is monitored.
 */
function modelRef(argument: string): { name: string; version?: string } {
  const at = argument.lastIndexOf('@');
  return at > 0 ? { name: argument.slice(0, at), version: argument.slice(at + 1) } : { name: argument };
}

/** `--positive 1` is the number 1 (as a classifier's labels usually are), `--positive yes` the text. */
function positiveClass(text: string): string | number | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

const metric = (value: number | undefined): string => (value === undefined ? '' : String(Number(value.toPrecision(4))));

function renderQuality(quality: ModelQuality): string {
  const metrics = quality.task === 'regression' ? (['rmse', 'mae'] as const) : (['accuracy', 'precision', 'recall', 'f1'] as const);
  const table = new Table({ head: ['window_start', 'version', 'count', ...metrics], style: { head: [], border: [] } });
  for (const row of quality.rows) table.push([row.window_start, row.version, String(row.count), ...metrics.map((m) => metric(row[m]))]);
  const averaged =
    quality.task === 'regression'
      ? ''
      : quality.average === 'binary'
        ? `, positive class ${JSON.stringify(quality.positive)}`
        : ', macro-averaged over the classes';
  const head = `${quality.model}: ${quality.task}${averaged}, per ${quality.window} (UTC)`;
  return quality.rows.length === 0 ? `${head}\n\nNo labeled predictions in that range.` : `${head}\n\n${table.toString()}`;
}
