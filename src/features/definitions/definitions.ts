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

/** Everything a project defines, as `aquifer apply` records it. */
export interface FeatureRepository {
  entities: readonly Entity[];
  featureViews: readonly FeatureView[];
  featureServices?: readonly FeatureService[];
}

export const entity = (definition: Entity): Entity => definition;
export const featureView = (definition: FeatureView): FeatureView => definition;
export const featureService = (definition: FeatureService): FeatureService => definition;
