/**
 * Orchestration: the project's assets (pipelines/*.json), the graph their dependencies
 * make, running them (whole or by partition, with what they need first), the history of
 * every run and whether each asset is fresh. Schedules, sensors, backfills and an Airflow
 * export build on these.
 */
export {
  assetSchema,
  assetFileSchema,
  partitionsSchema,
  ASSET_NAME,
  RUN_VERSIONED_KINDS,
  type Asset,
  type AssetDefinition,
  type AssetKind,
  type Partitions,
  type Schedule,
  type RetryPolicy,
} from './definition.js';
export { readAssets, readAssetFile, PIPELINES_DIR, MAX_ASSETS, MAX_ASSET_FILES, MAX_ASSET_FILE_BYTES } from './asset-files.js';
export { assetGraph, type AssetGraph, type AssetGraphNode } from './asset-graph.js';
export { loadPipeline, findAsset, upstreamAssets, type Pipeline, type ResolvedAsset } from './pipeline.js';
export { checkPartition } from './partitions.js';
export { runAsset, type RunAssetOptions } from './run-asset.js';
export { assetStatus, type AssetStatus, type AssetFreshness, type StaleInput } from './asset-status.js';
export {
  MAX_RUN_LOG_LINES,
  type AssetRun,
  type AssetRunFilter,
  type AssetRunStatus,
  type AssetRunStore,
  type AssetRunTrigger,
  type AssetLease,
  type AssetLeaseResult,
  type AssetRunLogEntry,
} from './run-store.js';
export { SqliteRunStore, RUN_STORE_FILE, RUN_STORE_SCHEMA_VERSION } from './sqlite-run-store.js';
export * from './errors.js';
export { renderAssetTree, renderAssetDot } from './graph-render.js';
export {
  Scheduler,
  SCHEDULER_TICK_MS,
  SCHEDULER_CONCURRENCY,
  SCHEDULER_GRACE_MS,
  type SchedulerOptions,
  type SchedulerLaunch,
  type LaunchOutcome,
} from './scheduler.js';
export { SCHEDULER_STATE_FILE } from './scheduler-state.js';
export { dueTick, tickPartition } from './schedule-ticks.js';
export { launchRun, type LaunchRunOptions, type LaunchedRun } from './launch-run.js';
export { exportAirflow, renderAirflowFile, type AirflowExport, type AirflowExportOptions } from './airflow-export.js';
export { planAirflowDags, type AirflowDagPlan } from './airflow-dags.js';
export { MAX_MODULE_ROWS, type AssetFunction, type AssetFunctionInput, type AssetFunctionResult } from './kinds/typescript-kind.js';
export { DEFAULT_LEASE_SECONDS, DEFAULT_HEARTBEAT_SECONDS, backoffMs, type Sleep, type AssetWork, type StepLog } from './run-series.js';
export { LEASE_OWNER } from './run-lease.js';
export {
  backfill,
  backfillPartitions,
  MAX_BACKFILL_PARTITIONS,
  MAX_BACKFILL_CONCURRENCY,
  type BackfillOptions,
  type BackfillPartitionResult,
  type BackfillSummary,
} from './backfill.js';
export { cancelRun, retryRun, recoverRuns, type RecoveredRun } from './run-control.js';
export { PostgresRunStore } from './postgres-run-store.js';
export { openRunStore } from './open-run-store.js';
