/**
 * What the layers did, published for whoever listens: job runs with the datasets they read
 * and wrote, on a diagnostics channel. Every layer may import this; lineage subscribes, and
 * nothing is built or sent while nobody does.
 */
export { tableDataset, type ColumnMetrics, type ColumnSource, type DatasetKind, type DatasetRef, type QualityAssertion, type StreamRange } from './dataset.js';
export {
  currentJobRun,
  JOB_RUN_CHANNEL,
  JobRun,
  jobRunsObserved,
  jobRunsSuppressed,
  onJobRun,
  publishJobRunEvent,
  withJobRun,
  withoutJobRuns,
  type JobRunEvent,
  type JobSpec,
  type RunState,
} from './job-run.js';
export { reportTableCommit, reportTableRead, type TableCommitReport, type TableReadReport } from './table-activity.js';
