/**
 * What a job read or wrote, in the terms lineage needs: OpenLineage's dataset identity
 * (namespace and name, per its naming conventions) plus what Aquifer knows about it.
 * Capabilities describe their inputs and outputs with these; the lineage capability
 * turns them into OpenLineage facets. Nothing here knows OpenLineage's JSON shapes.
 */
export type DatasetKind =
  'table' | 'file' | 'kafka' | 'kinesis' | 'http' | 'feature-view' | 'training-set' | 'model' | 'predictions' | 'online-store' | 'suite';

/** One input column feeding an output column. */
export interface ColumnSource {
  namespace: string;
  name: string;
  field: string;
  /** OpenLineage's transformation kinds: DIRECT (the value flows) or INDIRECT (it decides which rows, as a filter or join key). */
  type: 'DIRECT' | 'INDIRECT';
  /** IDENTITY, TRANSFORMATION, AGGREGATION (DIRECT); FILTER, JOIN, GROUP_BY, SORT, WINDOW, CONDITIONAL (INDIRECT). */
  subtype?: string;
  description?: string;
}

/** A contiguous range of a stream read or written: Kafka offsets of one partition, Kinesis sequence numbers of one shard. */
export interface StreamRange {
  partition: string;
  /** First position, inclusive. */
  from: string;
  /** Last position, inclusive. */
  to: string;
}

/** An expectation's outcome on a dataset, for data quality facets. */
export interface QualityAssertion {
  assertion: string;
  success: boolean;
  column?: string;
}

export interface ColumnMetrics {
  nullCount?: number;
  distinctCount?: number;
  sum?: number;
  count?: number;
  min?: number;
  max?: number;
  quantiles?: Record<string, number>;
}

export interface DatasetRef {
  namespace: string;
  name: string;
  kind: DatasetKind;
  /** The version read or written: a Delta table version, a model version, a training set's saved version. */
  version?: string;
  /** Every table version a run wrote, when it wrote more than one (the last is `version`). */
  versions?: readonly number[];
  /** The Delta operation that wrote it (WRITE, MERGE, DELETE, ...). */
  operation?: string;
  /** `Overwrite` when that commit replaced every row (so the version before is not upstream of it). */
  mode?: 'Overwrite';
  fields?: readonly { name: string; type: string }[];
  statistics?: { rowCount?: number; size?: number; fileCount?: number };
  /** A source file's size, digest and modification time. */
  file?: { size: number; sha256?: string; modified?: string };
  /** Stream positions read (inputs) or written (outputs). */
  ranges?: readonly StreamRange[];
  /** Output column → the input columns that feed it. */
  columnLineage?: Readonly<Record<string, readonly ColumnSource[]>>;
  /** Input columns that decide the whole output (filters, join keys, merge conditions): OpenLineage's dataset-level column lineage. */
  datasetLineage?: readonly ColumnSource[];
  dataQuality?: { rowCount?: number; bytes?: number; columns?: Readonly<Record<string, ColumnMetrics>>; assertions?: readonly QualityAssertion[] };
}

/**
 * A table location's OpenLineage identity: the storage scheme and authority as namespace,
 * the path as name (`file` + `/abs/path`, `s3://bucket` + `path/to/table`).
 */
export function tableDataset(location: string): { namespace: string; name: string } {
  const url = location.includes('://') ? new URL(location) : undefined;
  if (url === undefined || url.protocol === 'file:') {
    const path = url === undefined ? location : decodeURIComponent(url.pathname);
    return { namespace: 'file', name: path.replace(/\/+$/, '') };
  }
  const scheme = url.protocol.slice(0, -1);
  return { namespace: `${scheme}://${url.host}`, name: decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '') };
}
