import type { Engine } from '../../engine/index.js';
import type { ColumnSource, DatasetRef } from '../../observe/index.js';
import type { OnDemandFeatureView } from '../definitions/definitions.js';
import {
  asDirect,
  featureColumnSource,
  featureViewColumns,
  featureViewRun,
  uniqueSources,
  type FeatureViewRun,
  type LineageView,
} from '../feature-view-lineage.js';

export type { LineageView } from '../feature-view-lineage.js';

/** Which feature view columns feed each column of a training set, which table columns decide how its rows join, and the views' own runs. */
export interface TrainingSetLineage {
  columnLineage: Record<string, ColumnSource[]>;
  datasetLineage: ColumnSource[];
  /** Each view read, as the run `features.view.<view>` that the save records inside its own. */
  views: FeatureViewRun[];
}

const asIndirect =
  (subtype: string) =>
  (source: ColumnSource): ColumnSource => ({ ...source, type: 'INDIRECT', subtype });

/**
 * The column lineage of a training set: each feature column ← its feature view's column
 * (whose own lineage, from the table columns through the view's transformation or
 * aggregation, is the view's run), on-demand features ← the stored features they read; and
 * the views' entity keys and event timestamps as INDIRECT JOIN, with the transformations' own filters.
 */
export async function trainingSetLineage(
  engine: Engine,
  projectName: string,
  views: readonly LineageView[],
  stored: readonly { reference: string; column: string }[],
  onDemand: readonly { view: OnDemandFeatureView; feature: string; column: string }[],
): Promise<TrainingSetLineage> {
  const datasetLineage: ColumnSource[] = [];
  const runs: FeatureViewRun[] = [];
  for (const view of views) {
    const columns = await featureViewColumns(engine, view);
    datasetLineage.push(...columns.datasetLineage, ...columns.joinSources.map(asIndirect('JOIN')));
    runs.push(await featureViewRun(engine, projectName, view, columns));
  }
  const feature = (reference: string, subtype?: string): ColumnSource => {
    const [view, name] = reference.split(':') as [string, string];
    return featureColumnSource(projectName, view, name, subtype);
  };
  const columnLineage: Record<string, ColumnSource[]> = {};
  for (const { reference, column } of stored) columnLineage[column] = [feature(reference)];
  for (const { view, column } of onDemand)
    columnLineage[column] = uniqueSources(view.sources.map((reference) => asDirect(feature(reference), 'TRANSFORMATION')));
  return { columnLineage, datasetLineage: uniqueSources(datasetLineage), views: runs };
}

/** The logical dataset of a training set (OpenLineage naming: `aquifer://<project>` + `training-sets/<name>`). */
export function trainingSetDataset(project: string, name: string, lineage: Omit<TrainingSetLineage, 'views'>, version?: number): DatasetRef {
  return {
    namespace: `aquifer://${project}`,
    name: `training-sets/${name}`,
    kind: 'training-set',
    ...(version === undefined ? {} : { version: String(version) }),
    ...(Object.keys(lineage.columnLineage).length === 0 ? {} : { columnLineage: lineage.columnLineage }),
    ...(lineage.datasetLineage.length === 0 ? {} : { datasetLineage: lineage.datasetLineage }),
  };
}
