import path from 'node:path';
import { tableDataset, type DatasetRef } from '../observe/index.js';
import { describeFields, type Snapshot, type WriteSource } from '../table/index.js';

/** The namespace of a project's logical datasets (models, training sets, online store), as lineage names them. */
export function aquiferNamespace(projectName: string): string {
  return `aquifer://${projectName}`;
}

/** One version of a table, as the table layer reports a scan of it (same identity and fields, so a run merges the two). */
export function tableVersionDataset(location: string, snapshot: Pick<Snapshot, 'version' | 'schema'>): DatasetRef {
  return {
    ...tableDataset(location),
    kind: 'table',
    version: String(snapshot.version),
    fields: describeFields(snapshot.schema),
  };
}

/** A view's values in the online store: what materialization and aggregation write. */
export function onlineStoreDataset(projectName: string, view: string, rows: number): DatasetRef {
  return { namespace: aquiferNamespace(projectName), name: `online-store/${view}`, kind: 'online-store', statistics: { rowCount: rows } };
}

/** A training set's name: its table's (the last segment of where it is saved). */
export function trainingSetName(location: string): string {
  return location.replace(/\/+$/, '').split('/').pop() ?? location;
}

/** Entity rows given as files are inputs of their own; a query or rows in memory name no dataset. */
export function entityRowsDatasets(source: WriteSource): DatasetRef[] {
  if (!('files' in source)) return [];
  const files = typeof source.files === 'string' ? [source.files] : source.files;
  return files.map((file) => ({ namespace: 'file', name: path.resolve(file), kind: 'file' }));
}
