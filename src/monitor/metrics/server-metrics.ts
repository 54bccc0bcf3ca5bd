import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Engine } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import { FeatureMetrics } from './feature-metrics.js';
import { HttpMetrics } from './http-metrics.js';
import { IngestMetrics } from './ingest-metrics.js';
import { JobMetrics } from './job-metrics.js';
import { MonitorGauges } from './monitor-gauges.js';
import { PredictionMetrics } from './prediction-metrics.js';
import { METRICS_PREFIX } from './prefix.js';
import { TableGauges } from './table-gauges.js';

/**
 * The metrics of one server, on a registry of its own (not prom-client's global one, so two
 * servers in one process, as in tests, never mix): Node's process metrics, HTTP requests,
 * ingestion, prediction, table state and the monitors' last runs. The server calls the observe methods; `GET /metrics`
 * answers `text()` with `contentType`.
 */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly http: HttpMetrics;
  readonly ingest: IngestMetrics;
  readonly predictions: PredictionMetrics;
  readonly features: FeatureMetrics;
  private readonly jobs: JobMetrics;

  constructor(options: { project: Project; engine: Engine }) {
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    this.http = new HttpMetrics(this.registry);
    this.ingest = new IngestMetrics(this.registry);
    this.predictions = new PredictionMetrics(this.registry);
    this.features = new FeatureMetrics(this.registry);
    this.jobs = new JobMetrics(this.registry);
    new TableGauges(this.registry, options.project, options.engine);
    new MonitorGauges(this.registry, options.project);
  }

  /** The Prometheus text exposition format's media type (version 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Stops counting the process's job runs. */
  close(): void {
    this.jobs.close();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
