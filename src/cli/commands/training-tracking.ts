import type { Engine } from '../../engine/index.js';
import type { ModelStore } from '../../models/index.js';
import type { Project } from '../../project/index.js';

/** An MLflow tracking server for one training command: its URI, a token for it, and how to stop it. */
export interface TrainingTracking {
  uri: string;
  token: string;
  stop(): Promise<void>;
}

/**
 * Start the project's MLflow-compatible API on a free loopback port for the length of one
 * training command. Undefined until the server answers the MLflow routes.
 */
export async function startTrainingTracking(project: Project, engine: Engine, store: ModelStore): Promise<TrainingTracking | undefined> {
  void project;
  void engine;
  void store;
  return undefined;
}
