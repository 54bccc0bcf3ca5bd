import { Counter, Histogram, type Registry } from 'prom-client';
import { onJobRun, type JobRunEvent } from '../../observe/index.js';

/** Job run buckets, in seconds: a group commit takes milliseconds, a training run or a backfill hours. */
const RUN_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 14_400];

/** The end states a run is counted in. */
const ENDS: ReadonlySet<string> = new Set(['COMPLETE', 'FAIL', 'ABORT']);

/**
 * The job runs of the process (ingestion, predictions logged, materialization, training,
 * retraining, monitors' actions, ...), as they end: `aquifer_job_runs_total{type,state}` and
 * `aquifer_job_run_duration_seconds{type}`. Only outermost runs count (a table commit's run
 * inside an ingest run is part of it); `type` is the job's type, never its name, so the series
 * stay few however many tables there are.
 */
export class JobMetrics {
  private readonly runs: Counter<'type' | 'state'>;
  private readonly duration: Histogram<'type'>;
  private readonly unsubscribe: () => void;

  constructor(registry: Registry) {
    this.runs = new Counter({
      name: 'aquifer_job_runs_total',
      help: 'Job runs of the process that ended, by job type and end state (complete, fail, abort).',
      labelNames: ['type', 'state'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'aquifer_job_run_duration_seconds',
      help: 'How long job runs of the process took, by job type.',
      labelNames: ['type'],
      buckets: RUN_BUCKETS,
      registers: [registry],
    });
    this.unsubscribe = onJobRun((event) => this.observe(event));
  }

  close(): void {
    this.unsubscribe();
  }

  private observe(event: JobRunEvent): void {
    if (event.parent !== undefined || !ENDS.has(event.state)) return;
    const type = event.job.type;
    this.runs.inc({ type, state: event.state.toLowerCase() });
    this.duration.observe({ type }, Math.max(0, (event.time.getTime() - event.startedAt.getTime()) / 1000));
  }
}
