import { sqlColumnLineage, type Engine } from '../../engine/index.js';
import { tableDataset, type ColumnSource, type DatasetRef } from '../../observe/index.js';
import { planAggregation } from '../aggregation/aggregation-plan.js';
import type { OnDemandFeatureView } from '../definitions/definitions.js';
import type { ResolvedView } from '../definitions/resolve.js';

/** Which table columns feed each column of a training set, and which decide how its rows join. */
export interface TrainingSetLineage {
  columnLineage: Record<string, ColumnSource[]>;
  datasetLineage: ColumnSource[];
}

/** One view a training set reads: its resolved features, and the table (location and columns) at the version read. */
export interface LineageView {
  resolved: ResolvedView;
  location: string;
  columns: readonly string[];
}

const DIRECT_RANK: Record<string, number> = { IDENTITY: 0, TRANSFORMATION: 1, AGGREGATION: 2 };

function asDirect(source: ColumnSource, subtype: 'TRANSFORMATION' | 'AGGREGATION'): ColumnSource {
  if (source.type === 'INDIRECT') return source;
  return (DIRECT_RANK[source.subtype ?? 'IDENTITY'] ?? 0) >= DIRECT_RANK[subtype]! ? source : { ...source, subtype };
}

const asIndirect =
  (subtype: string) =>
  (source: ColumnSource): ColumnSource => ({ ...source, type: 'INDIRECT', subtype });

function unique(sources: readonly ColumnSource[]): ColumnSource[] {
  const seen = new Map<string, ColumnSource>();
  for (const s of sources) seen.set(`${s.namespace}\n${s.name}\n${s.field}\n${s.type}\n${s.subtype ?? ''}`, s);
  return [...seen.values()];
}

/**
 * The column lineage of a training set: each feature column ← the table columns feeding it
 * (through the view's transformation, read by sqlColumnLineage; aggregated for aggregation
 * views; through the stored features an on-demand view reads), and the views' entity keys
 * and event timestamps as INDIRECT JOIN, with the transformations' own filters.
 */
export async function trainingSetLineage(
  engine: Engine,
  views: readonly LineageView[],
  stored: readonly { reference: string; column: string }[],
  onDemand: readonly { view: OnDemandFeatureView; feature: string; column: string }[],
): Promise<TrainingSetLineage> {
  const featureSources = new Map<string, ColumnSource[]>();
  const datasetLineage: ColumnSource[] = [];
  for (const { resolved, location, columns } of views) {
    const { view, joinKeys, features } = resolved;
    const dataset = tableDataset(location);
    let viewColumn = (column: string): ColumnSource[] => (columns.includes(column) ? [{ ...dataset, field: column, type: 'DIRECT', subtype: 'IDENTITY' }] : []);
    if (view.transformation !== undefined) {
      const lineage = await sqlColumnLineage(engine, view.transformation, (reference) =>
        reference.kind === 'table' && reference.name.toLowerCase() === 'source' && reference.schema === undefined ? { ...dataset, columns } : undefined,
      );
      viewColumn = (column) => lineage.columns[column] ?? [];
      datasetLineage.push(...lineage.dataset);
    }
    for (const key of [...joinKeys, view.source.timestampField]) datasetLineage.push(...viewColumn(key).map(asIndirect('JOIN')));
    const plan = view.aggregation === undefined ? undefined : planAggregation(view.name, view.aggregation);
    for (const feature of features) {
      const aggregate = plan?.aggregates.find((a) => a.feature.name === feature.name);
      const sources =
        plan === undefined
          ? viewColumn(feature.name)
          : aggregate?.column === undefined
            ? []
            : viewColumn(aggregate.column).map((s) => asDirect(s, 'AGGREGATION'));
      featureSources.set(`${view.name}:${feature.name}`, sources);
    }
  }
  const columnLineage: Record<string, ColumnSource[]> = {};
  const set = (column: string, sources: readonly ColumnSource[]) => {
    if (sources.length > 0) columnLineage[column] = unique(sources);
  };
  for (const { reference, column } of stored) set(column, featureSources.get(reference) ?? []);
  for (const { view, column } of onDemand)
    set(
      column,
      view.sources.flatMap((reference) => (featureSources.get(reference) ?? []).map((s) => asDirect(s, 'TRANSFORMATION'))),
    );
  return { columnLineage, datasetLineage: unique(datasetLineage) };
}

/** The logical dataset of a training set (OpenLineage naming: `aquifer://<project>` + `training-sets/<name>`). */
export function trainingSetDataset(project: string, name: string, lineage: TrainingSetLineage, version?: number): DatasetRef {
  return {
    namespace: `aquifer://${project}`,
    name: `training-sets/${name}`,
    kind: 'training-set',
    ...(version === undefined ? {} : { version: String(version) }),
    ...(Object.keys(lineage.columnLineage).length === 0 ? {} : { columnLineage: lineage.columnLineage }),
    ...(lineage.datasetLineage.length === 0 ? {} : { datasetLineage: lineage.datasetLineage }),
  };
}
