/** A long-running job: started already, stopped gracefully, and failing on its own with `error`. */
export interface RunningJob {
  readonly error: unknown;
  stop(): Promise<void>;
}

/**
 * Keep a job running until SIGINT/SIGTERM (or until it fails on its own), then stop it
 * gracefully, so buffered records are committed before the process exits.
 */
export async function runUntilStopped(job: RunningJob): Promise<void> {
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(watch);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    const watch = setInterval(() => {
      if (job.error !== undefined) stop();
    }, 200);
  });
  await job.stop().catch((error: unknown) => {
    if (job.error === undefined) throw error;
  });
  if (job.error !== undefined) throw job.error;
}
