import type { Engine } from '../engine/index.js';
import type { TrainingTracking } from '../models/index.js';
import type { Project } from '../project/index.js';
import { TokenStore } from './auth/token-store.js';
import { startServer } from './serve.js';

/** Long enough for any training run; the token is revoked when the run ends anyway. */
const TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/**
 * Serve the project's API (with its MLflow routes) on a free loopback port for the length of
 * one training command, behind a writer token made for it and revoked when it ends, so an
 * `mlflow` client in the command logs into the run without any setup. It runs no monitors and
 * no asset schedules: those belong to the project's own server, and a retraining a monitor set
 * going must not start a second scheduler of the same monitors.
 */
export async function startTrainingTracking(project: Project, engine: Engine): Promise<TrainingTracking> {
  const tokens = TokenStore.forProject(project);
  const { token, info } = await tokens.create({ role: 'writer', name: 'aquifer train (this run only)', expires: new Date(Date.now() + TOKEN_LIFETIME_MS) });
  try {
    const server = await startServer({ project, engine, host: '127.0.0.1', port: 0, anonymous: 'off', background: false });
    return {
      uri: server.url,
      token,
      stop: async () => {
        try {
          await server.close();
        } finally {
          await tokens.revoke(info.id);
        }
      },
    };
  } catch (error) {
    await tokens.revoke(info.id);
    throw error;
  }
}
