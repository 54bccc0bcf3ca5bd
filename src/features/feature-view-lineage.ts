import { sqlColumnLineage, type Engine } from '../engine/index.js';
import { tableDataset, withJobRun, type ColumnSource, type DatasetRef } from '../observe/index.js';
import { planAggregation } from './aggregation/aggregation-plan.js';
import type { FeatureRepository } from './definitions/definitions.js';
import { splitRequest } from './definitions/on-demand.js';
import { resolveFeatures, type ResolvedView } from './definitions/resolve.js';
import { log } from '../log.js';
import { aquiferNamespace } from './job-datasets.js';

/** One view as a run read it: its resolved features, and its table (location and columns) at the version read. */
export interface LineageView {
  resolved: ResolvedView;
  location: string;
  columns: readonly string[];
  /** The table version read, as a run's input. */
  table?: DatasetRef;
}

/** Which table columns feed each column of a feature view (its features and entity keys), and which filter its rows. */
export interface FeatureViewColumns {
  columnLineage: Record<string, ColumnSource[]>;
  datasetLineage: ColumnSource[];
  /** The table columns behind its entity keys and event timestamp: what joins its rows to others. */
  joinSources: ColumnSource[];
}

const DIRECT_RANK: Record<string, number> = { IDENTITY: 0, TRANSFORMATION: 1, AGGREGATION: 2 };

/** A DIRECT source at least as far from identity as `subtype` (an aggregate of a transformed column stays an aggregation). */
export function asDirect(source: ColumnSource, subtype: 'TRANSFORMATION' | 'AGGREGATION'): ColumnSource {
  if (source.type === 'INDIRECT') return source;
  return (DIRECT_RANK[source.subtype ?? 'IDENTITY'] ?? 0) >= DIRECT_RANK[subtype]! ? source : { ...source, subtype };
}

export function uniqueSources(sources: readonly ColumnSource[]): ColumnSource[] {
  const seen = new Map<string, ColumnSource>();
  for (const s of sources) seen.set(`${s.namespace}\n${s.name}\n${s.field}\n${s.type}\n${s.subtype ?? ''}`, s);
  return [...seen.values()];
}

/** A feature view as lineage names it: `feature-views/<view>` in the project's namespace. */
export function featureViewId(projectName: string, view: string): { namespace: string; name: string } {
  return { namespace: aquiferNamespace(projectName), name: `feature-views/${view}` };
}

/** A column of a feature view feeding another dataset's column. */
export function featureColumnSource(projectName: string, view: string, column: string, subtype = 'IDENTITY'): ColumnSource {
  return { ...featureViewId(projectName, view), field: column, type: 'DIRECT', subtype };
}

/**
 * The column lineage of a feature view over its table: each feature ← the table columns
 * feeding it (through the view's transformation, read by sqlColumnLineage; aggregated for
 * aggregation views), each entity key ← its column, and the transformation's filters.
 * Entity keys are columns of the view like its features: a served or logged key is the
 * table's value, so a key tagged `pii:id` in the table is personal data wherever it goes.
 */
export async function featureViewColumns(engine: Engine, { resolved, location, columns }: LineageView): Promise<FeatureViewColumns> {
  const { view, joinKeys, features } = resolved;
  const dataset = tableDataset(location);
  let viewColumn = (column: string): ColumnSource[] => (columns.includes(column) ? [{ ...dataset, field: column, type: 'DIRECT', subtype: 'IDENTITY' }] : []);
  const datasetLineage: ColumnSource[] = [];
  if (view.transformation !== undefined) {
    const lineage = await sqlColumnLineage(engine, view.transformation, (reference) =>
      reference.kind === 'table' && reference.name.toLowerCase() === 'source' && reference.schema === undefined ? { ...dataset, columns } : undefined,
    );
    viewColumn = (column) => lineage.columns[column] ?? [];
    datasetLineage.push(...lineage.dataset);
  }
  const columnLineage: Record<string, ColumnSource[]> = {};
  const set = (column: string, sources: readonly ColumnSource[]) => {
    if (sources.length > 0) columnLineage[column] = uniqueSources(sources);
  };
  for (const key of joinKeys) set(key, viewColumn(key));
  const joinSources = [...joinKeys, view.source.timestampField].flatMap(viewColumn);
  const plan = view.aggregation === undefined ? undefined : planAggregation(view.name, view.aggregation);
  for (const feature of features) {
    const aggregate = plan?.aggregates.find((a) => a.feature.name === feature.name);
    set(
      feature.name,
      plan === undefined
        ? viewColumn(feature.name)
        : aggregate?.column === undefined
          ? []
          : viewColumn(aggregate.column).map((s) => asDirect(s, 'AGGREGATION')),
    );
  }
  return { columnLineage, datasetLineage: uniqueSources(datasetLineage), joinSources };
}

/** A view's run as lineage records it: the table version read, and the view's columns with theirs. */
export interface FeatureViewRun {
  view: string;
  sql?: string;
  table?: DatasetRef;
  output: DatasetRef;
}

/** A view's run, from its columns' lineage (worked out by featureViewColumns when not given). */
export async function featureViewRun(engine: Engine, projectName: string, view: LineageView, known?: FeatureViewColumns): Promise<FeatureViewRun> {
  const columns = known ?? (await featureViewColumns(engine, view));
  const name = view.resolved.view.name;
  return {
    view: name,
    ...(view.resolved.view.transformation === undefined ? {} : { sql: view.resolved.view.transformation }),
    ...(view.table === undefined ? {} : { table: view.table }),
    output: {
      ...featureViewId(projectName, name),
      kind: 'feature-view',
      ...(Object.keys(columns.columnLineage).length === 0 ? {} : { columnLineage: columns.columnLineage }),
      ...(columns.datasetLineage.length === 0 ? {} : { datasetLineage: columns.datasetLineage }),
    },
  };
}

/**
 * Record a view's run `features.view.<view>` (inside the run that read it: a training set's
 * save, a materialization): its table version in, its columns out with where they came from,
 * so lineage goes table → feature view → training set, online store and prediction log.
 */
export async function recordFeatureViewRun(project: string, run: FeatureViewRun): Promise<void> {
  await withJobRun({ name: `features.view.${run.view}`, type: 'TRANSFORMATION', project, ...(run.sql === undefined ? {} : { sql: run.sql }) }, async (job) => {
    if (run.table !== undefined) job.input(run.table);
    job.output(run.output);
  });
}

/** What a view's values in the online store come from: each entity key and feature, its view's column. */
export function onlineStoreColumns(projectName: string, view: ResolvedView): Record<string, ColumnSource[]> {
  const name = view.view.name;
  return Object.fromEntries([...view.joinKeys, ...view.features.map((f) => f.name)].map((c) => [c, [featureColumnSource(projectName, name, c)]]));
}

/**
 * Inside a run that reads a view and writes its values to the online store (materialization,
 * aggregation): the view's own run, then the view as this run's input, and the online
 * store's columns from the view's. Only while someone observes runs; never fails the run.
 */
export async function recordOnlineStoreLineage(
  engine: Engine,
  project: { root: string; name: string },
  view: LineageView,
  run: { input(dataset: DatasetRef): void },
): Promise<Record<string, ColumnSource[]> | undefined> {
  try {
    const viewRun = await featureViewRun(engine, project.name, view);
    await recordFeatureViewRun(project.root, viewRun);
    run.input({ ...featureViewId(project.name, viewRun.view), kind: 'feature-view' });
    return onlineStoreColumns(project.name, view.resolved);
  } catch (error) {
    log.warn({ err: error, view: view.resolved.view.name }, 'could not work out the column lineage of a feature view');
    return undefined;
  }
}

/** Where the entity keys and feature values served for a list of features come from: their views' columns. */
export interface ServedSources {
  entities: ColumnSource[];
  features: ColumnSource[];
}

/**
 * The feature view columns behind features as served (what a prediction log records of
 * each row): each stored feature's column, the stored features an on-demand one reads, and
 * the views' entity keys. TRANSFORMATION, as the log keeps them packed in one JSON column.
 */
export function servedSources(repository: FeatureRepository, projectName: string, references: readonly string[]): ServedSources {
  const split = splitRequest(repository, references);
  const views = resolveFeatures(repository, split.needed);
  const column = (view: string, name: string) => featureColumnSource(projectName, view, name, 'TRANSFORMATION');
  const features: ColumnSource[] = [];
  for (const reference of [...split.stored, ...split.onDemand.flatMap((o) => o.view.sources)]) {
    const [name, feature] = reference.split(':') as [string, string];
    const view = views.find((v) => v.view.name === name);
    for (const f of feature === '*' ? (view?.features.map((x) => x.name) ?? []) : [feature]) features.push(column(name, f));
  }
  const entities = views.flatMap((v) => v.joinKeys.map((key) => column(v.view.name, key)));
  return { entities: uniqueSources(entities), features: uniqueSources(features) };
}
