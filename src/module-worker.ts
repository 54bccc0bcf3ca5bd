import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { log } from './log.js';

/**
 * Start a worker thread on a module beside the caller, given as the URL of its compiled
 * `.js`. From the package (`dist/`) that file exists and runs as is; from the TypeScript
 * sources (tests, `tsx`) the worker first registers tsx's loader, which a worker's
 * `execArgv` cannot do for the entry module itself on Node 20, then imports the `.ts` file.
 */
export function startModuleWorker(moduleUrl: URL, workerData: unknown): Worker {
  const source = new URL(moduleUrl.href.replace(/\.js$/, '.ts'));
  if (!import.meta.url.endsWith('.ts')) return new Worker(moduleUrl, { workerData });
  const bootstrap = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(source.href)});`;
  return new Worker(bootstrap, { eval: true, workerData });
}

/** How much lower (in nice steps) a background thread runs than the thread that started it. */
const BACKGROUND_NICE = 10;

/**
 * Lower the calling worker thread's CPU priority (and that of the threads it starts after,
 * such as its DuckDB engine's), so on a busy machine the thread answering requests gets the
 * cores first and background commits take what is left. Only on Linux, where a thread's
 * priority is its own; elsewhere `setpriority` would lower the whole process, so it is left alone.
 */
export function runInBackground(): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(0, Math.min(19, os.getPriority(0) + BACKGROUND_NICE));
  } catch (error) {
    // Lowering one's own priority is always allowed on Linux; a sandbox that refuses it costs only latency.
    log.warn({ err: error }, 'could not lower a background thread priority; it competes with requests for the CPU');
  }
}
