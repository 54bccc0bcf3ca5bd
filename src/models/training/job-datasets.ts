import { tableDataset, type DatasetRef } from '../../observe/index.js';
import type { PinnedSource } from '../../features/index.js';
import type { Project } from '../../project/index.js';

/** A model version as lineage names it: `models/<model>` in the project's namespace. */
export function modelDataset(projectName: string, model: string, version: number | string): DatasetRef {
  return { namespace: `aquifer://${projectName}`, name: `models/${model}`, kind: 'model', version: String(version) };
}

/** A saved training set as lineage names it: `training-sets/<name>`, at the version of its table. */
export function trainingSetDataset(projectName: string, name: string, version?: number | string): DatasetRef {
  return {
    namespace: `aquifer://${projectName}`,
    name: `training-sets/${name}`,
    kind: 'training-set',
    ...(version === undefined ? {} : { version: String(version) }),
  };
}

/** The table versions a training set pinned. */
export function pinnedDatasets(project: Project, sources: readonly PinnedSource[]): DatasetRef[] {
  return sources.map((s) => ({ ...tableDataset(project.tableLocation(s.table, { internal: true })), kind: 'table', version: String(s.version) }));
}
