import type { Command } from 'commander';
import { tableNameOf, type BatchReport, type SourceLag, type SourceLagKey } from '../ingest/index.js';
import { IngestJobMetrics } from '../monitor/index.js';
import { startMetricsEndpoint } from '../server/index.js';
import { commandProjectIfAny } from './table-location.js';
import { CliUsageError } from './usage-error.js';

export interface MetricsFlags {
  metricsPort?: string;
  metricsHost: string;
}

/** `--metrics-port` and `--metrics-host` of a long-running job. */
export function metricsOptions(command: Command): Command {
  return command
    .option('--metrics-port <port>', 'serve GET /metrics (Prometheus) for this job on this port (0 picks one); a reader token of the project')
    .option('--metrics-host <host>', 'the metrics endpoint’s address', '127.0.0.1');
}

/** The hooks a streaming job feeds its metrics through, and the endpoint's end. */
export interface JobMetricsHooks {
  onBatch(report: BatchReport): void;
  onLag(lag: SourceLag): void;
  onLagRemoved(key: SourceLagKey): void;
  close(): Promise<void>;
}

/**
 * With `--metrics-port`, a metrics endpoint for the job on `table` (its URL on stderr); without,
 * hooks that do nothing. The endpoint's tokens are the project's, so it needs one.
 */
export async function jobMetrics(flags: MetricsFlags, table: string): Promise<JobMetricsHooks> {
  if (flags.metricsPort === undefined) return { onBatch: () => undefined, onLag: () => undefined, onLagRemoved: () => undefined, close: async () => undefined };
  const project = await commandProjectIfAny();
  if (project === undefined)
    throw new CliUsageError(
      '--metrics-port needs a project: its tokens guard the endpoint.',
      flags.metricsPort,
      'Run the job in a project folder, or give --project.',
    );
  const metrics = new IngestJobMetrics(tableNameOf(table));
  const endpoint = await startMetricsEndpoint({ project, metrics, host: flags.metricsHost, port: flags.metricsPort });
  process.stderr.write(`metrics at ${endpoint.url}/metrics\n`);
  return {
    onBatch: (report) => metrics.batch(report),
    onLag: (lag) => metrics.lag(lag),
    onLagRemoved: (key) => metrics.lagRemoved(key),
    close: () => endpoint.close(),
  };
}
