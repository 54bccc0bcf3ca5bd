import { collectDefaultMetrics, Registry } from 'prom-client';
import type { BatchReport, SourceLag, SourceLagKey } from '../../ingest/index.js';
import { IngestMetrics } from './ingest-metrics.js';
import { METRICS_PREFIX } from './prefix.js';

/**
 * The metrics of one streaming ingest job (`aquifer ingest kafka|kinesis --metrics-port`), on
 * a registry of its own: Node's process metrics and the ingestion metrics of `aquifer serve`
 * (records, bytes, commits, commit latency) for the job's table, with its source's lag.
 */
export class IngestJobMetrics {
  readonly registry = new Registry();
  private readonly ingest: IngestMetrics;

  constructor(private readonly table: string) {
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    this.ingest = new IngestMetrics(this.registry);
  }

  /** The job's `onBatch` hook. */
  batch(report: BatchReport): void {
    this.ingest.committed(this.table, { accepted: report.accepted, quarantined: report.quarantined, bytes: report.bytes, seconds: report.seconds });
  }

  /** The job's `onLag` hook. */
  lag(lag: SourceLag): void {
    this.ingest.lag(this.table, lag);
  }

  /** The job's `onLagRemoved` hook. */
  lagRemoved(key: SourceLagKey): void {
    this.ingest.removeLag(this.table, key);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
