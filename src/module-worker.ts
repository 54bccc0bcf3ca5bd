import { Worker } from 'node:worker_threads';

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
