import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import type { TrainOptions } from './train.js';

/** An MLflow-compatible tracking server for one training command: its URI, a token for it, and how to stop it. */
export interface TrainingTracking {
  uri: string;
  token: string;
  stop(): Promise<void>;
}

/**
 * Starts a tracking server for the project. The server that speaks MLflow's REST API sits
 * above the capabilities (src/server), so a surface hands its starter down: the CLI's
 * train/retrain and `monitor run`, and `aquifer serve`'s monitor scheduler, all pass the
 * server's `startTrainingTracking`.
 */
export type TrainingTrackingStarter = (project: Project, engine: Engine) => Promise<TrainingTracking>;

/**
 * Run `work` (a train() or retrain()) with a tracking server up for its length, handing it the
 * URI and token to pass as `tracking`; the server is stopped (and its token revoked) however
 * the work ends. Without a starter the work runs without tracking.
 */
export async function withTrainingTracking<T>(
  project: Project,
  engine: Engine,
  starter: TrainingTrackingStarter | undefined,
  work: (tracking: TrainOptions['tracking']) => Promise<T>,
): Promise<T> {
  if (starter === undefined) return work(undefined);
  const tracking = await starter(project, engine);
  try {
    return await work({ uri: tracking.uri, token: tracking.token });
  } finally {
    await tracking.stop();
  }
}
