import type { PrimitiveTypeName } from '../../table/index.js';

/** A business object features describe, identified by one or more join keys. */
export interface Entity {
  name: string;
  joinKeys: readonly { name: string; type: PrimitiveTypeName }[];
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
}

export interface FeatureDefinition {
  name: string;
  type: PrimitiveTypeName;
  description?: string;
}

/** Features of one entity (or several) read from one source, valid for `ttl` after their event time. */
export interface FeatureView {
  name: string;
  entities: readonly string[];
  source: TableSource;
  features: readonly FeatureDefinition[];
  /** How long a value stays valid after its event time (e.g. '1d'); absent or 0: forever. */
  ttl?: string | number;
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
