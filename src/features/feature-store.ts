import path from 'node:path';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, prepareSource, type WriteSource } from '../table/index.js';
import type { FeatureRepository, FeatureView } from './definitions/definitions.js';
import { resolveFeatures, joinKeysOf, type ResolvedView } from './definitions/resolve.js';
import { materializeView, toMillis, type MaterializeResult } from './online/materialize.js';
import { readOnlineFeatures, type OnlineFeaturesResponse } from './online/online-features.js';
import type { OnlineStore } from './online/online-store.js';
import { AquiferError } from '../errors.js';
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

export interface OnlineFeaturesRequest {
  /** `view:feature` references (or `view:*`), or a feature service's name. */
  features: readonly string[] | string;
  /** Entity key columns, one value per entity row in each. */
  entities: Readonly<Record<string, readonly unknown[]>>;
  fullFeatureNames?: boolean;
}

/** Feature definitions over a project's tables: training sets offline, the latest values online. */
export class FeatureStore {
  constructor(
    readonly project: Project,
    readonly engine: Engine,
    readonly repository: FeatureRepository,
    readonly online?: OnlineStore,
    /** The registry version these definitions were applied as, when they were (`aquifer apply`). */
    readonly registryVersion?: number,
  ) {
    for (const view of repository.featureViews) joinKeysOf(repository.entities, view);
  }

  /** Load the latest values with event time in [start, end) of every view (or the named ones) into the online store. */
  async materialize(start: Date | string | number, end: Date | string | number, options: { views?: readonly string[]; onRows?: (view: string, rows: number) => void } = {}): Promise<MaterializeResult[]> {
    const online = this.requireOnline();
    const results: MaterializeResult[] = [];
    const until = toMillis(end);
    for (const view of this.viewsNamed(options.views)) {
      const table = await DeltaTable.open(this.tablePath(view.view), { engine: this.engine });
      results.push(await materializeView(this.engine, table, view, online, toMillis(start), until, (rows) => options.onRows?.(view.view.name, rows)));
      const previous = Number((await online.getMeta(`materialized:${view.view.name}`)) ?? '0');
      if (until > previous) await online.setMeta(`materialized:${view.view.name}`, String(until));
    }
    return results;
  }

  /** Materialize each view from where its last materialization ended (the beginning, the first time) up to `end`. */
  async materializeIncremental(end: Date | string | number, options: { views?: readonly string[]; onRows?: (view: string, rows: number) => void } = {}): Promise<MaterializeResult[]> {
    const online = this.requireOnline();
    const results: MaterializeResult[] = [];
    for (const view of this.viewsNamed(options.views)) {
      const start = Number((await online.getMeta(`materialized:${view.view.name}`)) ?? '0');
      results.push(...(await this.materialize(start, end, { views: [view.view.name], ...(options.onRows === undefined ? {} : { onRows: options.onRows }) })));
    }
    return results;
  }

  /** The latest values of features for entities, in Feast's response shape. */
  async onlineFeatures(request: OnlineFeaturesRequest): Promise<OnlineFeaturesResponse> {
    return readOnlineFeatures(this.requireOnline(), resolveFeatures(this.repository, request.features), request.entities, request.fullFeatureNames ?? false);
  }

  private viewsNamed(names: readonly string[] | undefined): ResolvedView[] {
    const views = names === undefined ? this.repository.featureViews : this.repository.featureViews.filter((v) => names.includes(v.name));
    return views.map((view) => ({ view, joinKeys: joinKeysOf(this.repository.entities, view), features: [...view.features] }));
  }

  private requireOnline(): OnlineStore {
    if (this.online === undefined) {
      throw new AquiferError('FEATURE_ONLINE_STORE_MISSING', 'This feature store has no online store', { hint: 'Open the feature store with an online store (LMDB embedded, or Redis).' });
    }
    return this.online;
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
    return new TrainingSet(this.engine, sql, {
      features,
      featureColumns,
      timestampColumn,
      fullFeatureNames,
      views: resolved.map((r) => r.view),
      sources: pinned,
      ...(this.registryVersion === undefined ? {} : { registryVersion: this.registryVersion }),
    });
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
