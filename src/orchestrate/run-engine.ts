import { engineFromEnvironment, type Engine } from '../engine/index.js';

/**
 * Do `work` on a DuckDB engine of its own, closed when the work ends: a timeout or cancel
 * interrupts its engine's connection, which would also stop whatever else (another run, a
 * server's request) was querying a shared one. Runs launched side by side (backfill workers,
 * the scheduler's launches, POST /v1/runs) each take one. With `given` (an engine a caller
 * passed, a test's), the work runs on it and it is left open.
 */
export async function withRunEngine<T>(work: (engine: Engine) => Promise<T>, given?: Engine): Promise<T> {
  if (given !== undefined) return work(given);
  const engine = await engineFromEnvironment(process.env);
  try {
    return await work(engine);
  } finally {
    engine.close();
  }
}
