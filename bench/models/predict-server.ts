/**
 * Aquifer's server for the prediction benchmark, as `aquifer serve` runs it (token, request
 * pipeline, the model routes, the prediction log), with the project's prediction log mode
 * (`predictionLog` in the config argument). Prints its URL; when stdin closes it closes the
 * server, which flushes the log, and prints how long that took.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { startServer } from '../../src/server/index.js';

const { root } = JSON.parse(process.argv[2] ?? '{}') as { root: string };
const engine = await Engine.create();
const project = await Project.open(root);
const server = await startServer({ project, engine, port: 0 });
// BENCH_LOOP_DELAY=1: report how long the event loop was held (what a request waits behind).
const loop = process.env['BENCH_LOOP_DELAY'] === '1' ? monitorEventLoopDelay({ resolution: 1 }) : undefined;
loop?.enable();
process.stdout.write(`${server.url}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  const start = performance.now();
  if (loop !== undefined)
    process.stderr.write(
      `event loop delay: p50 ${(loop.percentile(50) / 1e6).toFixed(2)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms, max ${(loop.max / 1e6).toFixed(1)} ms\n`,
    );
  void server.close().then(() => {
    process.stderr.write(`flushed the prediction log in ${(performance.now() - start).toFixed(0)} ms\n`);
    project.close();
    engine.close();
    process.exit(0);
  });
});
