import type { Engine } from '../../engine/index.js';
import { isAquiferError } from '../../errors.js';
import { log } from '../../log.js';
import type { RetrainResult, TrainingTrackingStarter } from '../../models/index.js';
import type { Project } from '../../project/index.js';
import { models, withModelStore } from '../model/model-source.js';
import { MonitorDefinitionInvalidError } from '../errors.js';
import type { MonitorAction, MonitorDefinition, RetrainAction } from './definition.js';
import { runAssetFor, type RunAssetOutcome } from './run-asset-action.js';

/** What one action did when its monitor fired: kept in the run's `details.actions`. */
export type ActionOutcome =
  | {
      type: 'retrain';
      model: string;
      outcome: RetrainResult['outcome'];
      reason: string;
      previousVersion: number;
      aliasVersion: number;
      version: number | null;
      runId: string;
      trainingSet: string;
      metric: RetrainResult['metric'];
    }
  | RunAssetOutcome
  | { type: MonitorAction['type']; error: { code: string; message: string } };

/**
 * Run a fired monitor's actions in order. Each is told the monitor's name as its trigger; one
 * that fails is an outcome with its error (logged), and the ones after it still run.
 */
export interface ActionContext {
  /** Cancels a retraining's command, or an asset's run (a server shutting down). */
  signal?: AbortSignal | undefined;
  /** Starts the tracking server a retraining's command logs to, for the command's length. */
  tracking?: TrainingTrackingStarter | undefined;
}

export async function runActions(project: Project, engine: Engine, monitor: MonitorDefinition, context: ActionContext = {}): Promise<ActionOutcome[]> {
  const outcomes: ActionOutcome[] = [];
  for (const action of monitor.actions ?? []) {
    try {
      outcomes.push(
        action.type === 'run_asset'
          ? await runAssetFor(project, engine, monitor, action, context.signal)
          : await retrainFor(project, engine, monitor, action, context),
      );
    } catch (error) {
      const described = isAquiferError(error)
        ? { code: error.code, message: error.message }
        : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
      log.error({ monitor: monitor.name, action: action.type, code: described.code }, `monitor ${monitor.name}: its ${action.type} action failed`);
      outcomes.push({ type: action.type, error: described });
    }
  }
  return outcomes;
}

async function retrainFor(
  project: Project,
  engine: Engine,
  monitor: MonitorDefinition,
  action: RetrainAction,
  { signal, tracking: starter }: ActionContext,
): Promise<ActionOutcome> {
  const model = action.model ?? (monitor.kind === 'model_drift' ? monitor.model : undefined);
  if (model === undefined)
    throw new MonitorDefinitionInvalidError(
      `monitors/${monitor.name}.json`,
      'actions.model',
      'must name the model to retrain (only a model_drift monitor has its own)',
    );
  const { retrain, withTrainingTracking } = await models();
  // The tracking server is up for the whole retraining, as for `aquifer models retrain`: the command logs into its run.
  const result = await withModelStore(project, undefined, (store) =>
    withTrainingTracking(project, engine, starter, (tracking) =>
      retrain(project, engine, store, {
        model,
        trigger: monitor.name,
        holdout: {
          table: action.holdout.table,
          ...(action.holdout.where === undefined ? {} : { where: action.holdout.where }),
          ...(action.holdout.version === undefined ? {} : { version: action.holdout.version }),
          ...(action.holdout.label === undefined ? {} : { label: action.holdout.label }),
        },
        metric: action.metric,
        ...(action.alias === undefined ? {} : { alias: action.alias }),
        ...(action.minImprovement === undefined ? {} : { minImprovement: action.minImprovement }),
        ...(action.trainingSet === undefined ? {} : { trainingSet: action.trainingSet }),
        ...(action.refresh === undefined ? {} : { refresh: action.refresh }),
        ...(action.command === undefined ? {} : { command: action.command }),
        cwd: project.root,
        ...(signal === undefined ? {} : { signal }),
        ...(tracking === undefined ? {} : { tracking }),
      }),
    ),
  );
  log.info(
    { monitor: monitor.name, model, outcome: result.outcome, version: result.version, aliasVersion: result.aliasVersion },
    `monitor ${monitor.name}: retraining ${model} ${result.outcome}`,
  );
  return {
    type: 'retrain',
    model,
    outcome: result.outcome,
    reason: result.reason,
    previousVersion: result.previousVersion,
    aliasVersion: result.aliasVersion,
    version: result.version,
    runId: result.runId,
    trainingSet: result.trainingSet.name,
    metric: result.metric,
  };
}
