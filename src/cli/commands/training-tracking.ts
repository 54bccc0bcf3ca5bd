import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { startServer, TokenStore } from '../../server/index.js';

/** An MLflow tracking server for one training command: its URI, a token for it, and how to stop it. */
export interface TrainingTracking {
  uri: string;
  token: string;
  stop(): Promise<void>;
}

/** Long enough for any training run; the token is revoked when the run ends anyway. */
const TOKEN_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/**
 * Serve the project's API (with its MLflow routes) on a free loopback port for the length of
 * one training command, behind a writer token made for it and revoked when it ends, so an
 * `mlflow` client in the command logs into the run without any setup.
 */
export async function startTrainingTracking(project: Project, engine: Engine): Promise<TrainingTracking> {
  const tokens = TokenStore.forProject(project);
  const { token, info } = await tokens.create({ role: 'writer', name: 'aquifer train (this run only)', expires: new Date(Date.now() + TOKEN_LIFETIME_MS) });
  try {
    const server = await startServer({ project, engine, host: '127.0.0.1', port: 0, anonymous: 'off' });
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
