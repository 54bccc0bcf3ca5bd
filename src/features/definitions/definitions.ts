import type { PrimitiveTypeName } from '../../table/index.js';

/** A business object features describe, identified by one or more join keys. */
export interface Entity {
  name: string;
  /** `tags`: the key column's tags (`pii:id`), set on every source table of the entity's views by `aquifer apply`. */
  joinKeys: readonly { name: string; type: PrimitiveTypeName; tags?: readonly string[] }[];
  description?: string;
}

/** Where a feature view's rows come from: a Delta table, with the time of each row. */
export interface TableSource {
  kind: 'table';
  /** Table path, relative to the project's `tables/` folder or absolute. */
  table: string;
  /** The column holding when each row's values became true. */
  timestampField: string;
  /** Optional column breaking ties between rows with the same event time: the newest created wins. */
  createdTimestampField?: string;
  /** Tags for the table's columns (`{"email": ["pii:email"]}`), set on it by `aquifer apply` (docs/governance.md). */
  columnTags?: Readonly<Record<string, readonly string[]>>;
}

export interface FeatureDefinition {
  name: string;
  type: PrimitiveTypeName;
  description?: string;
  /**
   * The feature's tags (`pii:email`, `sensitive`): its online values and training set
   * columns are masked by them, and `aquifer apply` sets them on the source table's column
   * of the same name when the view reads the table as it is (no transformation, no aggregation).
   */
  tags?: readonly string[];
}

export const AGGREGATION_FUNCTIONS = ['count', 'sum', 'avg', 'min', 'max', 'last', 'count_distinct'] as const;
export type AggregationFunction = (typeof AGGREGATION_FUNCTIONS)[number];

/** One windowed aggregate of a source column, such as the sum of `amount` over the last hour. */
export interface Aggregation {
  function: AggregationFunction;
  /** The column aggregated; `count` without one counts rows. */
  column?: string;
  /** The window's length, e.g. '10m', '1h', '1d': a whole number of intervals. */
  window: string | number;
  /**
   * `sliding` (the default): the window ending at the time asked about, moving by the
   * view's interval. `tumbling`: the fixed, epoch-aligned window the time falls in,
   * from its start (e.g. "today so far" for 1d).
   */
  windowType?: 'sliding' | 'tumbling';
  /** The feature's name; `<function>_<column>_<window>` by default. */
  name?: string;
  /** The feature's type: `long` for counts, `double` for averages, `double` by default otherwise. */
  type?: PrimitiveTypeName;
}

/**
 * Windowed aggregations over a stream's rows (the table an ingest job appends to).
 * Rows are summed up per entity in tiles of `interval`; a window is a run of tiles,
 * so one set of tiles answers every window, online and offline alike.
 */
export interface WindowAggregation {
  /** The tile length and the sliding windows' step, e.g. '1m' or '10m': whole seconds. */
  interval: string | number;
  aggregations: readonly Aggregation[];
}

/** Features of one entity (or several) read from one source, valid for `ttl` after their event time. */
export interface FeatureView {
  name: string;
  entities: readonly string[];
  source: TableSource;
  features: readonly FeatureDefinition[];
  /** How long a value stays valid after its event time (e.g. '1d'); absent or 0: forever. */
  ttl?: string | number;
  /**
   * A SQL query reshaping the source's rows before anything else reads them, with the
   * table's rows as `source`: `SELECT driver_id, ts, trips / hours AS trips_per_hour FROM
   * source WHERE hours > 0`. Training sets, materialization and aggregation all read
   * through it. For aggregation views it must work row by row (filters and expressions,
   * no aggregates or window functions), since appended rows are folded in on their own.
   */
  transformation?: string;
  /** Present on aggregation views: the features are windowed aggregates of the source (see `aggregationView`). */
  aggregation?: WindowAggregation;
  tags?: Readonly<Record<string, string>>;
  owner?: string;
  description?: string;
}

/** A named set of features a model uses: `view:feature` references, or whole views. */
export interface FeatureService {
  name: string;
  features: readonly string[];
  description?: string;
}

/**
 * Features computed by a TypeScript function from other features and request data. The
 * same function runs inside DuckDB when a training set is built and in the server when
 * a request is answered, so training and serving cannot drift apart.
 */
export interface OnDemandFeatureView {
  name: string;
  /** The `view:feature` references the function reads (by feature name). */
  sources: readonly string[];
  /** Values the request (or, for training sets, the entity rows) carries. */
  requestFields?: readonly { name: string; type: PrimitiveTypeName }[];
  features: readonly FeatureDefinition[];
  /** One row in: source features by name and request fields. One row out: the features by name. */
  compute: (input: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  description?: string;
}

/** Everything a project defines, as `aquifer apply` records it. */
export interface FeatureRepository {
  entities: readonly Entity[];
  featureViews: readonly FeatureView[];
  featureServices?: readonly FeatureService[];
  /** Library-only: functions cannot live in features.json. */
  onDemandFeatureViews?: readonly OnDemandFeatureView[];
}

export const entity = (definition: Entity): Entity => definition;
export const featureView = (definition: FeatureView): FeatureView => definition;
export const featureService = (definition: FeatureService): FeatureService => definition;
export const onDemandFeatureView = (definition: OnDemandFeatureView): OnDemandFeatureView => definition;
