import type { DatasetRef } from './dataset.js';
import { tableDataset } from './dataset.js';
import { currentJobRun, jobRunsSuppressed, withJobRun } from './job-run.js';

/** One commit the table layer made. */
export interface TableCommitReport {
  location: string;
  version: number;
  operation: string;
  /** Set when the commit replaced every row of the table (a whole-table overwrite recorded as WRITE). */
  mode?: 'Overwrite';
  /** The version the commit read (its input), absent for a table's first commit. */
  readVersion?: number;
  fields?: readonly { name: string; type: string }[];
  rows?: number;
  bytes?: number;
  files?: number;
  /** Output column → the columns that feed it, for changes that compute values (UPDATE, MERGE). */
  columnLineage?: DatasetRef['columnLineage'];
  /** The columns that decide which rows change (a DELETE, UPDATE or MERGE condition). */
  datasetLineage?: DatasetRef['datasetLineage'];
}

/** One read of a table at a version. */
export interface TableReadReport {
  location: string;
  version: number;
  fields?: readonly { name: string; type: string }[];
}

function tableRef(location: string, version: number, fields: TableCommitReport['fields']): DatasetRef {
  return { ...tableDataset(location), kind: 'table', version: String(version), ...(fields === undefined ? {} : { fields }) };
}

function tableName(location: string): string {
  return tableDataset(location).name.split('/').pop() ?? location;
}

/**
 * Called by the table layer after each commit. Inside a job run the table version becomes
 * one of the run's outputs (and the version it read one of its inputs, for changes that
 * read the table); outside any run, the commit is a run of its own (`table.<operation>.<table>`).
 */
export function reportTableCommit(commit: TableCommitReport): void {
  if (jobRunsSuppressed()) return;
  const record = (run: NonNullable<ReturnType<typeof currentJobRun>>) => {
    // A change that reads the table (DELETE, UPDATE, MERGE, OPTIMIZE, RESTORE) has the version it read as an input; an append does not.
    if (commit.readVersion !== undefined && commit.operation !== 'WRITE' && commit.operation !== 'STREAMING UPDATE')
      run.input(tableRef(commit.location, commit.readVersion, commit.fields));
    const output: DatasetRef = {
      ...tableRef(commit.location, commit.version, commit.fields),
      versions: [commit.version],
      operation: commit.operation,
      ...(commit.mode === undefined ? {} : { mode: commit.mode }),
      statistics: {
        ...(commit.rows === undefined ? {} : { rowCount: commit.rows }),
        ...(commit.bytes === undefined ? {} : { size: commit.bytes }),
        ...(commit.files === undefined ? {} : { fileCount: commit.files }),
      },
      ...(commit.columnLineage === undefined ? {} : { columnLineage: commit.columnLineage }),
      ...(commit.datasetLineage === undefined ? {} : { datasetLineage: commit.datasetLineage }),
    };
    run.output(output);
  };
  const run = currentJobRun();
  if (run !== undefined) {
    record(run);
    return;
  }
  const operation = commit.operation.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  void withJobRun({ name: `table.${operation}.${tableName(commit.location)}`, type: commit.operation }, async (own) => record(own));
}

/** Called by the table layer when a scan reads a version: inside a job run it becomes one of the run's inputs. */
export function reportTableRead(read: TableReadReport): void {
  currentJobRun()?.input(tableRef(read.location, read.version, read.fields));
}
