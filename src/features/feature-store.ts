import path from 'node:path';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, prepareSource, type WriteSource } from '../table/index.js';
import type { FeatureRepository, FeatureView } from './definitions/definitions.js';
import { resolveFeatures, joinKeysOf } from './definitions/resolve.js';
import { pointInTimeJoinSql, type PointInTimeSource } from './historical/point-in-time-join.js';
import { savedEntityRowsSql, trainingSetDefinition, TrainingSet, type PinnedSource } from './historical/training-set.js';

export interface HistoricalFeaturesRequest {
  /** Entity keys and the time each row asks about. */
  entityRows: WriteSource;
  /** `view:feature` references (or `view:*`), or a feature service's name. */
  features: readonly string[] | string;
  /** The entity rows' time column; `event_timestamp` by default. */
  timestampColumn?: string;
  fullFeatureNames?: boolean;
  /** Read each view's table at this version instead of the latest (by view name). */
  versions?: Readonly<Record<string, number>>;
}

/** Feature definitions over a project's tables: training sets now, online serving next. */
export class FeatureStore {
  constructor(
    readonly project: Project,
    readonly engine: Engine,
    readonly repository: FeatureRepository,
  ) {
    for (const view of repository.featureViews) joinKeysOf(repository.entities, view);
  }

  /**
   * For every entity row, each feature's newest value at or before the row's time and
   * within the view's TTL (NULL where none qualifies), computed by DuckDB over the
   * views' tables at pinned versions.
   */
  async historicalFeatures(request: HistoricalFeaturesRequest): Promise<TrainingSet> {
    const resolved = resolveFeatures(this.repository, request.features);
    const sources: PointInTimeSource[] = [];
    const pinned: PinnedSource[] = [];
    for (const view of resolved) {
      const table = await DeltaTable.open(this.tablePath(view.view), { engine: this.engine });
      const version = request.versions?.[view.view.name];
      const snapshot = await table.snapshot(version === undefined ? {} : { version });
      const scan = await table.scan({ version: snapshot.version });
      sources.push({ resolved: view, sql: await scan.sql() });
      pinned.push({ view: view.view.name, table: view.view.source.table, version: snapshot.version });
    }
    const entities = await prepareSource(request.entityRows);
    const timestampColumn = request.timestampColumn ?? 'event_timestamp';
    const fullFeatureNames = request.fullFeatureNames ?? false;
    const { sql, featureColumns } = pointInTimeJoinSql(entities.sql, sources, { timestampColumn, fullFeatureNames });
    const features = resolved.flatMap((r) => r.features.map((f) => `${r.view.name}:${f.name}`));
    return new TrainingSet(this.engine, sql, { features, featureColumns, timestampColumn, fullFeatureNames, views: resolved.map((r) => r.view), sources: pinned });
  }

  /**
   * Build a saved training set again from its own entity rows and the table versions it
   * recorded: the same rows, however the tables changed since.
   */
  async recreateTrainingSet(location: string): Promise<TrainingSet> {
    const saved = await DeltaTable.open(location, { engine: this.engine });
    const definition = await trainingSetDefinition(saved);
    const repository: FeatureRepository = { entities: this.repository.entities, featureViews: definition.views };
    const store = new FeatureStore(this.project, this.engine, repository);
    return store.historicalFeatures({
      entityRows: { sql: await savedEntityRowsSql(saved, definition) },
      features: definition.features,
      timestampColumn: definition.timestampColumn,
      fullFeatureNames: definition.fullFeatureNames,
      versions: Object.fromEntries(definition.sources.map((s) => [s.view, s.version])),
    });
  }

  private tablePath(view: FeatureView): string {
    const table = view.source.table;
    return path.isAbsolute(table) ? table : path.join(this.project.root, 'tables', table);
  }
}
