export {
  driftReport,
  DEFAULT_DRIFT_SHARE,
  type DriftOptions,
  type ColumnDriftOptions,
  type DriftReport,
  type ColumnDrift,
  type DatasetDrift,
} from './drift/drift-report.js';
export { renderDriftHtml, type DriftHtmlOptions } from './drift/drift-html.js';
export { MAX_CATEGORIES as DRIFT_MAX_CATEGORIES, type ColumnDistribution } from './drift/distribution.js';
export { tableRelation, fileRelation, type DriftRelation, type TableRelationOptions } from './drift/relation.js';
export {
  DRIFT_METHODS,
  DRIFT_METHOD_NAMES,
  SMALL_REFERENCE,
  defaultMethod,
  isDriftMethodName,
  type DriftMethod,
  type DriftMethodName,
  type ColumnType as DriftColumnType,
} from './drift/methods.js';
export { INTEGER_CARDINALITY_LIMIT } from './drift/column-type.js';
export {
  DriftSourceInvalidError,
  DriftSourceEmptyError,
  DriftColumnNotFoundError,
  DriftColumnUnsupportedError,
  DriftColumnEmptyError,
  DriftOptionsInvalidError,
  DriftNoColumnsError,
  type DriftSide,
  MonitorDefinitionInvalidError,
  MonitorNotFoundError,
  MonitorBusyError,
  MonitorNoDataError,
  MonitorWebhookFailedError,
} from './errors.js';
export { ServerMetrics } from './metrics/server-metrics.js';
export { METRICS_PREFIX } from './metrics/prefix.js';
export { IngestJobMetrics } from './metrics/ingest-job-metrics.js';
export { MAX_SCRAPED_TABLES } from './metrics/table-gauges.js';
export { MonitorGauges } from './metrics/monitor-gauges.js';
export type { HttpMetrics } from './metrics/http-metrics.js';
export type { IngestMetrics, IngestCommitOutcome } from './metrics/ingest-metrics.js';
export type { PredictionMetrics } from './metrics/prediction-metrics.js';
export type { FeatureMetrics } from './metrics/feature-metrics.js';
export { modelDriftReport, PREDICTION_COLUMN, type ModelDriftOptions, type ModelDriftReport } from './model/model-drift.js';
export { modelQuality, QUALITY_WINDOWS, type ModelQuality, type ModelQualityOptions, type QualityRow, type QualityWindow } from './model/model-quality.js';
export { MODEL_TASKS, type ModelTask } from './model/model-task.js';
export { ModelNoPredictionsError, ModelNoTrainingSetError, ModelNoFeedbackError, ModelMonitorOptionsError } from './model/errors.js';
export {
  runMonitors,
  runDueMonitors,
  isDue as isMonitorDue,
  type RunMonitorsOptions,
  type MonitorsRun,
  type MonitorResult,
  type MonitorStatus,
} from './monitors/run-monitors.js';
export { monitorStatus, type MonitorStatusEntry } from './monitors/monitor-status.js';
export { readMonitors, readMonitorFile, listMonitorNames, MONITORS_DIR, MAX_MONITOR_BYTES, MAX_MONITORS } from './monitors/monitor-store.js';
export {
  monitorSchema,
  MONITOR_KINDS,
  MONITOR_NAME,
  type MonitorKind,
  type MonitorDefinition,
  type FreshnessMonitor,
  type VolumeMonitor,
  type SchemaMonitor,
  type QuarantineRateMonitor,
  type QualityMonitor,
  type DriftMonitor,
  type ModelDriftMonitor,
  type MonitorAlerts,
  type MonitorAction,
  type RetrainAction,
  type RunAssetAction,
} from './monitors/definition.js';
export { durationMs } from './monitors/duration.js';
export type { ActionOutcome } from './monitors/run-actions.js';
export type { RunAssetOutcome } from './monitors/run-asset-action.js';
export { MONITOR_RESULTS_TABLE, MONITOR_RESULTS_SCHEMA, monitorResultsLocation, openMonitorResults } from './monitors/results-table.js';
export { readState as readMonitorState, type MonitorState, type AlertNotification, type PendingNotification, type DeadLetter } from './alerts/alert-state.js';
export { postWebhook, webhookBackoffMs, type WebhookConfig, type WebhookOptions, type WebhookOutcome } from './alerts/webhook.js';
export type { CheckOutcome, ColumnValue } from './checks/check.js';
