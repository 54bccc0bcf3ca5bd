import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable, prepareSource, type WriteSource } from '../table/index.js';
import type { FeatureRepository, FeatureView } from './definitions/definitions.js';
import { resolveFeatures, joinKeysOf, type ResolvedView } from './definitions/resolve.js';
import { materializeQuery, toMillis, writeMaterialized, type MaterializeQuery, type MaterializeResult } from './online/materialize.js';
import { requireSuite, type ExpectationSuite } from '../quality/index.js';
import { readOnlineFeatures, type OnlineFeaturesResponse } from './online/online-features.js';
import type { OnlineStore } from './online/online-store.js';
import { AquiferError } from '../errors.js';
import { checkOnDemandViews, computeOnDemand, onDemandSql, splitRequest, type SplitRequest } from './definitions/on-demand.js';
import { FeatureDefinitionError, FeatureNotFoundError } from './errors.js';
import { quoteIdent } from '../engine/index.js';
import { pointInTimeJoinSql, type PointInTimeSource } from './historical/point-in-time-join.js';
import { aggregateView, readAggregationMeta, type AggregateOptions, type AggregateResult } from './aggregation/stream-aggregator.js';
import { planAggregation } from './aggregation/aggregation-plan.js';
import { planKinds } from './aggregation/slots.js';
import { viewSourceSchema, viewSourceSql } from './definitions/view-source.js';
import { pushToView, type PushRequest, type PushResult } from './push/push.js';
import {
  savedEntityRowsSql,
  trainingSetDefinition,
  TrainingSet,
  TRAINING_SET_ERASURES_PROPERTY,
  type PinnedSource,
  type TrainingSetDefinition,
} from './historical/training-set.js';
import { trainingSetLineage, type LineageView, type TrainingSetLineage } from './historical/training-set-lineage.js';
import { withRecordedMasking } from './historical/recorded-masking.js';
import { jobRunsObserved, withJobRun, type DatasetRef, type JobRun } from '../observe/index.js';
import { recordOnlineStoreLineage } from './feature-view-lineage.js';
import { entityRowsDatasets, onlineStoreDataset, tableVersionDataset } from './job-datasets.js';

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

/** A list of features resolved for online reads: stored views when no on-demand feature is asked for, else every view the on-demand ones need. */
interface OnlinePlan {
  split: SplitRequest;
  stored: ResolvedView[];
  needed: ResolvedView[];
  keys: Set<string>;
}

export interface OnlineFeaturesRequest {
  /** `view:feature` references (or `view:*`), or a feature service's name. */
  features: readonly string[] | string;
  /** Entity key columns, one value per entity row in each. */
  entities: Readonly<Record<string, readonly unknown[]>>;
  fullFeatureNames?: boolean;
  /** The time windowed aggregates are as of (epoch ms, ISO text or Date); now by default. */
  at?: Date | string | number;
}

/** Feature definitions over a project's tables: training sets offline, the latest values online. */
export class FeatureStore {
  private readonly onlinePlans = new Map<string, OnlinePlan>();

  constructor(
    readonly project: Project,
    readonly engine: Engine,
    readonly repository: FeatureRepository,
    readonly online?: OnlineStore,
    /** The registry version these definitions were applied as, when they were (`aquifer apply`). */
    readonly registryVersion?: number,
  ) {
    for (const view of repository.featureViews) joinKeysOf(repository.entities, view);
    checkOnDemandViews(repository);
  }

  /**
   * Load the latest values with event time in [start, end] (as Feast: both ends included) of
   * every view (or the named ones) into the online store. With `suite`, every view's rows
   * must pass it before any is written: a failed expectation is QUALITY_GATE_BLOCKED, and
   * the online store is left as it was.
   */
  async materialize(
    start: Date | string | number,
    end: Date | string | number,
    options: { views?: readonly string[]; onRows?: (view: string, rows: number) => void; suite?: ExpectationSuite } = {},
  ): Promise<MaterializeResult[]> {
    const online = this.requireOnline();
    const results: MaterializeResult[] = [];
    const until = toMillis(end);
    // Aggregation views are kept current by `aggregate`: their windows are not a time range.
    const views = this.viewsNamed(options.views).filter((v) => v.view.aggregation === undefined);
    const queries: MaterializeQuery[] = [];
    for (const view of views) {
      const table = await DeltaTable.open(this.tablePath(view.view), { engine: this.engine, stores: this.project.stores });
      const query = await materializeQuery(table, view, toMillis(start), until);
      if (options.suite !== undefined) await requireSuite(this.engine, query.sql, options.suite, `materializing ${view.view.name}`);
      queries.push(query);
    }
    for (const [i, view] of views.entries()) {
      const query = queries[i] as MaterializeQuery;
      const name = view.view.name;
      const job = { name: `features.materialize.${name}`, type: 'MATERIALIZE', project: this.project.root, ...transformationSql(view.view) };
      await withJobRun(job, async (run) => {
        // The table was read before the run began (every view is checked before any is written), so its version is added here.
        run.input(query.table);
        const result = await writeMaterialized(this.engine, query, view, online, (rows) => options.onRows?.(name, rows));
        const columns = await this.onlineLineage(view, this.tablePath(view.view), query.table.fields?.map((f) => f.name) ?? [], query.table, run);
        run.output({ ...onlineStoreDataset(this.project.config.name, name, result.written), ...columns });
        results.push(result);
        const previous = Number((await online.getMeta(`materialized:${name}`)) ?? '0');
        if (until > previous) await online.setMeta(`materialized:${name}`, String(until));
      });
    }
    return results;
  }

  /**
   * Materialize each view from where its last materialization ended (the beginning, the
   * first time) up to `end`; aggregation views fold in every commit since their last run.
   */
  async materializeIncremental(
    end: Date | string | number,
    /** `suite` checks the values of views with a time range (as `materialize`); aggregation views' tiles are not checked. */
    options: { views?: readonly string[]; onRows?: (view: string, rows: number) => void; suite?: ExpectationSuite } = {},
  ): Promise<MaterializeResult[]> {
    const online = this.requireOnline();
    const results: MaterializeResult[] = [];
    for (const view of this.viewsNamed(options.views)) {
      if (view.view.aggregation !== undefined) {
        const done = await this.aggregate({
          views: [view.view.name],
          ...(options.onRows === undefined ? {} : { onEntities: (n: number) => options.onRows?.(view.view.name, n) }),
        });
        for (const result of done) results.push({ view: result.view, written: result.entities, read: result.entities, tableVersion: result.tableVersion });
        continue;
      }
      const start = Number((await online.getMeta(`materialized:${view.view.name}`)) ?? '0');
      results.push(
        ...(await this.materialize(start, end, {
          views: [view.view.name],
          ...(options.onRows === undefined ? {} : { onRows: options.onRows }),
          ...(options.suite === undefined ? {} : { suite: options.suite }),
        })),
      );
    }
    return results;
  }

  /**
   * Bring aggregation views' tiles in the online store up to their tables' latest
   * versions (all of them, or the named ones): the streaming half of window aggregations.
   */
  async aggregate(
    options: Omit<AggregateOptions, 'onEntities'> & { views?: readonly string[]; onEntities?: (entities: number) => void } = {},
  ): Promise<AggregateResult[]> {
    const online = this.requireOnline();
    const results: AggregateResult[] = [];
    for (const view of this.viewsNamed(options.views).filter((v) => v.view.aggregation !== undefined)) {
      const table = await DeltaTable.open(this.tablePath(view.view), { engine: this.engine, stores: this.project.stores });
      const { views: _views, ...rest } = options;
      // A poll that finds no new commit is no run (followAggregations polls several times a second); nobody listening, no run is built.
      if (!jobRunsObserved() || !(await aggregationPending(table, online, view.view.name, rest))) {
        results.push(await aggregateView(this.engine, table, view, online, rest));
        continue;
      }
      const job = {
        name: `features.aggregate.${view.view.name}`,
        type: 'AGGREGATE',
        processing: 'STREAMING' as const,
        project: this.project.root,
        ...transformationSql(view.view),
      };
      results.push(
        await withJobRun(job, async (run) => {
          // The versions read are the run's inputs through the table's scans.
          const result = await aggregateView(this.engine, table, view, online, rest);
          const snapshot = await table.snapshot({ version: result.tableVersion });
          const read = tableVersionDataset(table.location, snapshot);
          const columns = await this.onlineLineage(
            view,
            table.location,
            snapshot.schema.fields.map((f) => f.name),
            read,
            run,
          );
          run.output({ ...onlineStoreDataset(this.project.config.name, view.view.name, result.entities), ...columns });
          return result;
        }),
      );
    }
    return results;
  }

  /** The online store's column lineage for a run writing a view's values (after recording the view's own run), while someone observes runs. */
  private async onlineLineage(
    view: ResolvedView,
    location: string,
    columns: readonly string[],
    table: DatasetRef,
    run: JobRun,
  ): Promise<Pick<DatasetRef, 'columnLineage'>> {
    if (!jobRunsObserved()) return {};
    const project = { root: this.project.root, name: this.project.config.name };
    const lineage = await recordOnlineStoreLineage(this.engine, project, { resolved: view, location, columns, table }, run);
    return lineage === undefined ? {} : { columnLineage: lineage };
  }

  /**
   * Keep aggregation views current until `signal` aborts: fold in new commits as the
   * ingest jobs append them, polling each table's log every `pollMs` (default 250).
   */
  async followAggregations(options: {
    signal: AbortSignal;
    pollMs?: number;
    views?: readonly string[];
    onBatch?: (results: AggregateResult[]) => void;
  }): Promise<void> {
    const pollMs = options.pollMs ?? 250;
    while (!options.signal.aborted) {
      const results = await this.aggregate(options.views === undefined ? {} : { views: options.views });
      if (results.some((r) => r.commits > 0)) options.onBatch?.(results);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          options.signal.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        options.signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  /**
   * The latest values of features for entities, in Feast's response shape. On-demand
   * features run the same function the training sets ran, on the stored values and the
   * request fields sent beside the entity keys.
   */
  async onlineFeatures(request: OnlineFeaturesRequest): Promise<OnlineFeaturesResponse> {
    const { split, stored, needed, keys } = this.onlinePlan(request.features);
    const fullFeatureNames = request.fullFeatureNames ?? false;
    const at = request.at === undefined ? Date.now() : toMillis(request.at);
    if (split.onDemand.length === 0) return readOnlineFeatures(this.requireOnline(), stored, request.entities, fullFeatureNames, at);
    const keyEntities = Object.fromEntries(Object.entries(request.entities).filter(([k]) => keys.has(k)));
    const all = await readOnlineFeatures(this.requireOnline(), needed, keyEntities, true, at);
    const column = (name: string) => all.results[all.metadata.feature_names.indexOf(name)];
    const rows = all.results[0]?.values.length ?? 0;
    const response: OnlineFeaturesResponse = {
      metadata: { feature_names: [...keys] },
      results: [...keys].map((k) => column(k) as OnlineFeaturesResponse['results'][number]),
    };
    for (const reference of split.stored) {
      const [view, feature] = reference.split(':') as [string, string];
      const found = column(`${view}__${feature}`);
      if (found === undefined) continue;
      response.metadata.feature_names.push(fullFeatureNames ? `${view}__${feature}` : feature);
      response.results.push(found);
    }
    for (const { view, features } of split.onDemand) {
      const outputs = Array.from({ length: rows }, (_, i) => {
        const input: Record<string, unknown> = {};
        for (const source of view.sources) {
          const [sourceView, feature] = source.split(':') as [string, string];
          input[feature] = column(`${sourceView}__${feature}`)?.values[i] ?? null;
        }
        for (const field of view.requestFields ?? []) input[field.name] = request.entities[field.name]?.[i] ?? null;
        return computeOnDemand(view, input);
      });
      for (const feature of features) {
        response.metadata.feature_names.push(fullFeatureNames ? `${view.name}__${feature}` : feature);
        response.results.push({
          values: outputs.map((o) => o[feature] ?? null),
          statuses: outputs.map(() => 'PRESENT'),
          event_timestamps: outputs.map(() => '1970-01-01T00:00:00Z'),
        });
      }
    }
    return response;
  }

  /**
   * Feast's push: rows for one feature view to the online store, its table, or both, each
   * value checked against the view's definition first (see push/push.ts).
   */
  async push(request: PushRequest): Promise<PushResult> {
    return pushToView(
      {
        engine: this.engine,
        repository: this.repository,
        online: () => this.requireOnline(),
        // Pushing offline writes the view's table: a name of one of Aquifer's own tables is refused here.
        tablePath: (view) => this.project.tableLocation(view.source.table),
        stores: this.project.stores,
      },
      request,
    );
  }

  private viewsNamed(names: readonly string[] | undefined): ResolvedView[] {
    const views = names === undefined ? this.repository.featureViews : this.repository.featureViews.filter((v) => names.includes(v.name));
    return views.map((view) => ({ view, joinKeys: joinKeysOf(this.repository.entities, view), features: [...view.features] }));
  }

  private requireOnline(): OnlineStore {
    if (this.online === undefined) {
      throw new AquiferError('FEATURE_ONLINE_STORE_MISSING', 'This feature store has no online store', {
        hint: 'Open the feature store with an online store (LMDB embedded, or Redis).',
      });
    }
    return this.online;
  }

  /**
   * For every entity row, each feature's newest value at or before the row's time and
   * within the view's TTL (NULL where none qualifies), computed by DuckDB over the
   * views' tables at pinned versions.
   */
  async historicalFeatures(request: HistoricalFeaturesRequest): Promise<TrainingSet> {
    const references = this.references(request.features);
    const split = splitRequest(this.repository, references);
    const resolved = resolveFeatures(this.repository, split.needed);
    const sources: PointInTimeSource[] = [];
    const pinned: PinnedSource[] = [];
    const lineageViews: LineageView[] = [];
    const inputs: DatasetRef[] = [];
    for (const view of resolved) {
      const table = await DeltaTable.open(this.tablePath(view.view), { engine: this.engine, stores: this.project.stores });
      const version = request.versions?.[view.view.name];
      const snapshot = await table.snapshot(version === undefined ? {} : { version });
      const tableSql = await (await table.scan({ version: snapshot.version })).sql();
      const aggregation = view.view.aggregation;
      const kinds =
        aggregation === undefined
          ? undefined
          : planKinds(
              view.view.name,
              planAggregation(view.view.name, aggregation),
              await viewSourceSchema(this.engine, view.view, snapshot.schema, async () => tableSql),
            );
      sources.push({ resolved: view, sql: viewSourceSql(view.view, tableSql), ...(kinds === undefined ? {} : { kinds }) });
      pinned.push({ view: view.view.name, table: view.view.source.table, version: snapshot.version });
      const tableVersion = tableVersionDataset(table.location, snapshot);
      lineageViews.push({ resolved: view, location: table.location, columns: snapshot.schema.fields.map((f) => f.name), table: tableVersion });
      inputs.push(tableVersion);
    }
    inputs.push(...entityRowsDatasets(request.entityRows));
    const entities = await prepareSource(request.entityRows);
    const timestampColumn = request.timestampColumn ?? 'event_timestamp';
    const fullFeatureNames = request.fullFeatureNames ?? false;
    // The join names every feature view__feature; the projection below gives requested features their final names.
    const join = pointInTimeJoinSql(entities.sql, sources, { timestampColumn, fullFeatureNames: true, keepRowNumber: true });
    const entityColumns = (await this.engine.read(`SELECT * FROM (${entities.sql}) LIMIT 0`)).columnNames();
    const finalName = (view: string, feature: string) => (fullFeatureNames ? `${view}__${feature}` : feature);
    const featureColumns: string[] = [];
    const storedColumns: { reference: string; column: string }[] = [];
    const onDemandColumns: Parameters<typeof trainingSetLineage>[4][number][] = [];
    const selects = entityColumns.map(quoteIdent);
    for (const reference of split.stored) {
      const [view, feature] = reference.split(':') as [string, string];
      for (const f of feature === '*' ? (resolved.find((r) => r.view.name === view)?.features.map((x) => x.name) ?? []) : [feature]) {
        const name = finalName(view, f);
        if (featureColumns.includes(name))
          throw new FeatureDefinitionError(
            'FEATURE_COLUMNS_COLLIDE',
            `Two requested features are both named '${name}'`,
            name,
            'Ask for full feature names (view__feature), or request only one of them.',
          );
        featureColumns.push(name);
        storedColumns.push({ reference: `${view}:${f}`, column: name });
        selects.push(`${quoteIdent(`${view}__${f}`)} AS ${quoteIdent(name)}`);
      }
    }
    const outputs: string[] = [];
    split.onDemand.forEach(({ view, features }, i) => {
      const inputs = new Map<string, string>();
      for (const source of view.sources) {
        const [sourceView, feature] = source.split(':') as [string, string];
        inputs.set(feature, quoteIdent(`${sourceView}__${feature}`));
      }
      for (const field of view.requestFields ?? []) inputs.set(field.name, quoteIdent(field.name));
      const columns = features.map((feature) => ({ feature, name: finalName(view.name, feature) }));
      const { output, extracts } = onDemandSql(this.engine, view, inputs, `aq_od_${i}`, columns);
      outputs.push(output);
      selects.push(...extracts);
      featureColumns.push(...columns.map((c) => c.name));
      onDemandColumns.push(...columns.map((c) => ({ view, feature: c.feature, column: c.name })));
    });
    const inner = outputs.length === 0 ? join.sql : `SELECT *, ${outputs.join(', ')} FROM (${join.sql})`;
    // Ordered at the top by the entity row number: DuckDB keeps a subquery's order only as far
    // as each operator happens to, and a saved set must keep the entity rows' order at any size.
    const sql = `SELECT ${selects.join(', ')} FROM (${inner}) ORDER BY aq_row`;
    const features = [...split.stored, ...split.onDemand.flatMap((o) => o.features.map((f) => `${o.view.name}:${f}`))];
    let worked: Promise<TrainingSetLineage> | undefined;
    // Worked out only when the saving run asks (someone observes runs), once.
    const lineage = () => (worked ??= trainingSetLineage(this.engine, this.project.config.name, lineageViews, storedColumns, onDemandColumns));
    return new TrainingSet(
      this.engine,
      sql,
      {
        features,
        featureColumns,
        timestampColumn,
        fullFeatureNames,
        views: resolved.map((r) => r.view),
        sources: pinned,
        ...(this.registryVersion === undefined ? {} : { registryVersion: this.registryVersion }),
      },
      this.project.stores,
      { project: this.project.root, projectName: this.project.config.name, inputs, columns: lineage },
    );
  }

  /**
   * What a list of features resolves to, kept per list: a feature server is asked for the
   * same few lists over and over, and the definitions of this store never change.
   */
  private onlinePlan(features: readonly string[] | string): OnlinePlan {
    const id = typeof features === 'string' ? features : features.join('\u0000');
    let plan = this.onlinePlans.get(id);
    if (plan === undefined) {
      const split = splitRequest(this.repository, this.references(features));
      const needed = split.onDemand.length === 0 ? [] : resolveFeatures(this.repository, split.needed);
      plan = {
        split,
        stored: split.onDemand.length === 0 ? resolveFeatures(this.repository, split.stored) : [],
        needed,
        keys: new Set(needed.flatMap((v) => v.joinKeys)),
      };
      if (this.onlinePlans.size >= 1024) this.onlinePlans.clear();
      this.onlinePlans.set(id, plan);
    }
    return plan;
  }

  /** A feature service's features, or the references as given. */
  private references(features: readonly string[] | string): string[] {
    if (typeof features !== 'string') return [...features];
    const service = this.repository.featureServices?.find((s) => s.name === features);
    if (service === undefined)
      throw new FeatureNotFoundError(
        features,
        (this.repository.featureServices ?? []).map((s) => s.name),
      );
    return [...service.features];
  }

  /**
   * Build a saved training set again from its own entity rows and the table versions it
   * recorded: the same rows, however the tables changed since. A caller that has opened the
   * set and read its definition already passes both. With `tables: 'latest'`, the same entity
   * rows and feature definitions are joined to the tables' latest versions instead (a refreshed
   * set, pinned to those versions when saved). Either way the columns the saved set's manifest
   * records as masked are masked again, by the recorded strategy and the project's key.
   */
  async recreateTrainingSet(
    source: string | { table: DeltaTable; definition: TrainingSetDefinition },
    options: { tables?: 'pinned' | 'latest' } = {},
  ): Promise<TrainingSet> {
    const saved = typeof source === 'string' ? await DeltaTable.open(source, { engine: this.engine, stores: this.project.stores }) : source.table;
    const definition = typeof source === 'string' ? await trainingSetDefinition(saved) : source.definition;
    const location = saved.location;
    if (definition.origin !== undefined)
      throw new FeatureDefinitionError(
        'FEATURE_TRAINING_SET_INVALID',
        `${location} was not joined from feature views (its rows came from ${definition.origin.kind}), so it cannot be recreated from them`,
        location,
        'Build it again from where it came from (`aquifer models reproduce` does for a model trained on it).',
      );
    const erasures = (await saved.snapshot()).configuration[TRAINING_SET_ERASURES_PROPERTY];
    if (erasures !== undefined && options.tables !== 'latest')
      throw new AquiferError(
        'FEATURE_TRAINING_SET_ERASED',
        `${location} had rows erased after it was saved (${erasures}): the table versions it pinned are vacuumed, so it cannot be recreated identically`,
        { value: location, hint: 'Recreate it from the latest tables (tables: latest, `--latest`), which hold no erased rows either.' },
      );
    const repository: FeatureRepository = {
      entities: this.repository.entities,
      featureViews: definition.views,
      ...(this.repository.onDemandFeatureViews === undefined ? {} : { onDemandFeatureViews: this.repository.onDemandFeatureViews }),
    };
    const store = new FeatureStore(this.project, this.engine, repository);
    const set = await store.historicalFeatures({
      entityRows: { sql: await savedEntityRowsSql(saved, definition) },
      features: definition.features,
      timestampColumn: definition.timestampColumn,
      fullFeatureNames: definition.fullFeatureNames,
      // At the latest versions it is the same definition refreshed with whatever landed since (retraining).
      ...(options.tables === 'latest' ? {} : { versions: Object.fromEntries(definition.sources.map((s) => [s.view, s.version])) }),
    });
    // The entity rows are the saved set's first version's.
    set.lineage?.inputs.push(tableVersionDataset(saved.location, await saved.snapshot(erasures === undefined ? { version: 0 } : {})));
    // Masked as the saved set was: its masked columns masked again, with the same key.
    const joinKeys = definition.views.flatMap((view) => joinKeysOf(repository.entities, view));
    return definition.masking === undefined ? set : withRecordedMasking(this.engine, this.project, set, definition.masking, joinKeys);
  }

  /** A view's table, to read: a view may read one of Aquifer's own tables (a model's prediction log, its feedback). */
  private tablePath(view: FeatureView): string {
    return this.project.tableLocation(view.source.table, { internal: true });
  }
}

/** A view's SQL transformation, as the job's SQL: it runs on every read of the view's table. */
function transformationSql(view: FeatureView): { sql?: string } {
  return view.transformation === undefined ? {} : { sql: view.transformation };
}

/** Whether aggregating a view would fold in anything: a new commit, a batch left pending, a first run or a rebuild asked for. */
async function aggregationPending(table: DeltaTable, online: OnlineStore, view: string, options: Omit<AggregateOptions, 'onEntities'>): Promise<boolean> {
  if (options.rebuild === true) return true;
  const meta = await readAggregationMeta(online, view);
  if (meta === undefined || meta.pending !== undefined) return true;
  const snapshot = await table.snapshot(options.untilVersion === undefined ? {} : { version: options.untilVersion });
  return meta.version < snapshot.version;
}
