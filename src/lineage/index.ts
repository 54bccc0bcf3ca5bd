/** Lineage: every job run as OpenLineage run events, kept in the project and sent where the project says. */
export * from './openlineage.js';
export { datasetKind, toRunEvent, type RunEventOptions } from './run-event.js';
export { LineageLog, LINEAGE_LOG_SCHEMA, type LineageLogFilter, type LoggedRuns } from './lineage-log.js';
export { LineageGraphCache, SNAPSHOT_AFTER_COMMITS, type LineageGraphCacheOptions } from './graph-cache.js';
export { GraphSnapshotFile, GRAPH_SNAPSHOT_FORMAT, type SnapshotTag } from './graph-snapshot.js';
export {
  downstream,
  graphRun,
  impact,
  LineageGraph,
  nodeLabel,
  renderDot,
  renderSvg,
  renderTree,
  resultRoots,
  upstream,
  type GraphColumnRef,
  type GraphDataset,
  type GraphRange,
  type GraphRun,
  type GraphState,
  type LineageDirection,
  type LineageEdge,
  type LineageNode,
  type LineageNodeType,
  type LineageResult,
  type RunDataset,
  type RunRecord,
  type TableRecord,
} from './graph/index.js';
export {
  MarquezView,
  type MarquezDataset,
  type MarquezDatasetId,
  type MarquezDatasetVersion,
  type MarquezGraphNode,
  type MarquezJob,
  type MarquezJobVersion,
  type MarquezNamespace,
  type MarquezRun,
} from './marquez.js';
export type { MarquezColumnInput, MarquezColumnNode, MarquezSearchResult, SearchQuery, EventQuery } from './marquez-history.js';
export { recordLineage, lineageNamespace, lineageSpoolDir, type LineageRecorder, type RecordLineageOptions } from './recorder.js';
export { HttpLineageSink, DEFAULT_LINEAGE_ENDPOINT, type HttpSinkOptions } from './http-sink.js';
