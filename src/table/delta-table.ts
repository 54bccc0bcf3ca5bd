import { sharedEngine, type Engine } from '../engine/index.js';
import {
  LocalObjectStore,
  ObjectNotFoundError,
  openObjectStore,
  type AzureStoreOptions,
  type GcsStoreOptions,
  type ObjectStore,
  type ObjectStorePool,
  type S3StoreOptions,
} from '../storage/index.js';
import {
  readHistory,
  loadLogState,
  loadSnapshot,
  refreshSnapshot,
  type HistoryEntry,
  type LogState,
  type Snapshot,
  type SnapshotOptions,
} from './snapshot/index.js';
import { Scan, type ScanOptions } from './scan/index.js';
import { jobRunsObserved, reportTableRead } from '../observe/index.js';
import { describeFields } from './schema/index.js';
import type { Action, AddFile } from './actions/index.js';
import { CommitMissingError } from './errors.js';
import { buildLogSegment, commitPath, type LastCheckpoint } from './log-segment/index.js';
import { cleanupExpiredLogs, writeCheckpoint, writeCheckpointFromLog, type LogCleanupResult } from './checkpoint/index.js';
import { readChanges, type ChangeRead, type ChangeReadOptions } from './cdf/index.js';
import {
  autoCompactEnabled,
  compactSmallFiles,
  filesHolding,
  optimizeTable,
  purgeTable,
  restoreTable,
  vacuumTable,
  type OptimizeOptions,
  type OptimizeResult,
  type PurgeResult,
  type RestoreResult,
  type VacuumOptions,
  type VacuumResult,
} from './maintenance/index.js';
import { deleteRows, dmlContext, mergeRows, updateRows, type Assignments, type DmlResult, type MergeOptions } from './dml/index.js';
import { commitDigest, readJsonLogFile } from './snapshot/read-log-file.js';
import {
  TableWriter,
  type ColumnMetadataUpdate,
  type CreateOptions,
  type OverwriteOptions,
  type WriteOptions,
  type WriteResult,
  type WriteSource,
} from './write/index.js';

export interface OpenOptions {
  engine?: Engine;
  /**
   * For a table at a local path: whether writes return only once on stable storage
   * (see `LocalStoreOptions.durable`); on by default.
   */
  durable?: boolean;
  /**
   * For an `s3://bucket/prefix` location: endpoint, region, credentials and the rest;
   * whatever is unset comes from the standard AWS environment and profile chain.
   */
  s3?: S3StoreOptions;
  /**
   * For a `gs://bucket/prefix` location: endpoint (an emulator), project, key file and the
   * rest; else STORAGE_EMULATOR_HOST, GOOGLE_APPLICATION_CREDENTIALS and Application Default Credentials.
   */
  gcs?: GcsStoreOptions;
  /** For an `az://` or `abfss://` location: connection string or account and key; else AZURE_STORAGE_* from the environment. */
  azure?: AzureStoreOptions;
  /**
   * Open a location through these stores (a project's: its S3 settings, one client for all
   * its tables) instead of a store of its own; `s3`, `gcs` and `azure` are then ignored.
   */
  stores?: ObjectStorePool | undefined;
}

export type ReadOptions = ScanOptions & SnapshotOptions;

export interface ProgressOptions {
  /** Told the fraction done (0..1) while data files are written. */
  onProgress?: (fraction: number) => void;
}

/** A Delta table at a location: the entry point for reads (snapshots, scans, history) and writes. */
export class DeltaTable {
  protected constructor(
    readonly store: ObjectStore,
    readonly engine: Engine,
    /** Whether `open` made the store from a location string, so `close` is this table's to do. */
    private readonly ownsStore = false,
  ) {}

  /**
   * Open a table by location (a local path, `file:///…` or `s3://bucket/prefix`) or object
   * store. Nothing is read until asked for.
   */
  static async open(location: string | ObjectStore, options: OpenOptions = {}): Promise<DeltaTable> {
    const local = options.durable === undefined ? {} : { durable: options.durable };
    const store =
      typeof location !== 'string'
        ? location
        : options.stores !== undefined
          ? options.stores.open(location, local)
          : openObjectStore(location, {
              local,
              ...(options.s3 === undefined ? {} : { s3: options.s3 }),
              ...(options.gcs === undefined ? {} : { gcs: options.gcs }),
              ...(options.azure === undefined ? {} : { azure: options.azure }),
            });
    return new DeltaTable(store, options.engine ?? (await sharedEngine()), typeof location === 'string' && options.stores === undefined);
  }

  /**
   * Release the connection the table opened for its location (an S3 client's sockets). A
   * table opened on a given store or pool leaves it to its owner. The table must not be used
   * afterwards; the engine stays open.
   */
  close(): void {
    if (this.ownsStore) this.store.close?.();
  }

  /** Create a table (with its first data, when given) at a location (path or URI) or object store. */
  static async create(location: string | ObjectStore, options: CreateOptions & OpenOptions): Promise<{ table: DeltaTable; result: WriteResult }> {
    const table = await DeltaTable.open(location, options);
    const result = await table.writer().create(options);
    return { table, result };
  }

  /** Add rows in one atomic commit. */
  async append(data: WriteSource, options: WriteOptions = {}): Promise<WriteResult> {
    return this.writer().append(await this.snapshot(), data, options);
  }

  /** Replace all rows, or the partitions matching `where`, in one atomic commit. */
  async overwrite(data: WriteSource, options: OverwriteOptions = {}): Promise<WriteResult> {
    return this.writer().overwrite(await this.snapshot(), data, options);
  }

  /**
   * Delete the rows matching a SQL predicate over the table's columns (every row
   * without one), in one commit; with delta.enableDeletionVectors the files stay and
   * the deleted rows are recorded in deletion vectors, otherwise files are rewritten.
   */
  async delete(where?: string, options: ProgressOptions & { recordedPredicate?: string } = {}): Promise<DmlResult> {
    const snapshot = await this.snapshot();
    return deleteRows(
      dmlContext(this.engine, this.store, this.writer(), snapshot, this.location, 'DELETE', options.onProgress),
      where,
      options.recordedPredicate,
    );
  }

  /** The live files whose bytes hold rows matching `where`, rows hidden by deletion vectors included. */
  async filesHolding(where: string): Promise<AddFile[]> {
    return filesHolding(this.engine, await this.snapshot(), where);
  }

  /**
   * Remove every trace of deleted rows now (an erasure): rewrite `files` (live files still
   * holding them), vacuum with zero retention, recorded as VACUUM START/END, and cut the log
   * at a checkpoint without tombstones. Time travel to earlier versions ends here.
   */
  async purge(options: { files: readonly AddFile[]; reason: string }): Promise<PurgeResult> {
    const reload = () => {
      this.latest = undefined;
      return this.snapshot();
    };
    return purgeTable(this.engine, this.store, this.writer(), () => this.snapshot(), reload, this.location, options);
  }

  /** Set columns (column → SQL expression) of the rows matching a predicate (all rows without one), in one commit. */
  async update(options: { set: Assignments; where?: string } & ProgressOptions): Promise<DmlResult> {
    const snapshot = await this.snapshot();
    return updateRows(dmlContext(this.engine, this.store, this.writer(), snapshot, this.location, 'UPDATE', options.onProgress), options.set, options.where);
  }

  /**
   * MERGE INTO: join `source` to the table on `on` (over the aliases target and source)
   * and update, delete or insert by the first clause that applies, in one commit.
   */
  async merge(options: MergeOptions & ProgressOptions): Promise<DmlResult> {
    const snapshot = await this.snapshot();
    return mergeRows(dmlContext(this.engine, this.store, this.writer(), snapshot, this.location, 'MERGE', options.onProgress), options);
  }

  /**
   * The change data feed between two versions (delta.enableChangeDataFeed): the changed
   * rows with `_change_type`, `_commit_version` and `_commit_timestamp`, as a query.
   */
  async changes(options: ChangeReadOptions): Promise<ChangeRead> {
    return readChanges(this.engine, this.store, this.location, options);
  }

  /** Compact small files (and fold deletion vectors into rewritten files) by bin-packing, in one commit that changes no data. */
  async optimize(options: OptimizeOptions = {}): Promise<OptimizeResult> {
    return optimizeTable(this.engine, this.store, this.writer(), await this.snapshot(), this.location, options);
  }

  /** Delete files no version within the retention needs (a dry run lists them). */
  async vacuum(options: VacuumOptions = {}): Promise<VacuumResult> {
    return vacuumTable(this.store, await this.snapshot(), this.location, options);
  }

  /** Make the latest version have the files and schema of an earlier version (by number or timestamp), in one commit. */
  async restore(to: SnapshotOptions): Promise<RestoreResult> {
    const target = await this.snapshot(to);
    return restoreTable(this.store, this.writer(), await this.snapshot(), target, this.location);
  }

  /** Rename a column (or a nested field, by path) as a metadata-only commit; needs column mapping. */
  async renameColumn(column: string | readonly string[], to: string): Promise<WriteResult> {
    return this.writer().alter(await this.snapshot(), { kind: 'rename-column', column: typeof column === 'string' ? [column] : column, to });
  }

  /** Drop columns (or nested fields, by path) as a metadata-only commit; needs column mapping. */
  async dropColumns(columns: readonly (string | readonly string[])[]): Promise<WriteResult> {
    return this.writer().alter(await this.snapshot(), { kind: 'drop-columns', columns: columns.map((c) => (typeof c === 'string' ? [c] : c)) });
  }

  /**
   * Change column metadata (by path) as a metadata-only commit, from the latest version:
   * each update is given the column's metadata as stored and returns the new one. Works with
   * or without column mapping; a concurrent metadata change makes it fail with a conflict.
   */
  async updateColumnMetadata(columns: readonly ColumnMetadataUpdate[]): Promise<WriteResult> {
    return this.writer().alter(await this.snapshot(), { kind: 'column-metadata', columns });
  }

  /** Set table properties (delta.* or any other), in one metadata-only commit (SET TBLPROPERTIES). */
  async setProperties(properties: Readonly<Record<string, string>>): Promise<number> {
    const snapshot = await this.snapshot();
    return this.writer().commitChange(snapshot, {
      removes: [],
      adds: [],
      written: [],
      deletionVectorFiles: [],
      metadata: { ...snapshot.metadata, configuration: { ...snapshot.configuration, ...properties } },
      dataChange: false,
      operation: 'SET TBLPROPERTIES',
      operationParameters: { properties: JSON.stringify(properties) },
      operationMetrics: {},
      readFiles: [],
      readsAdd: () => false,
    });
  }

  /** Write a checkpoint of the latest version now (writes make one every delta.checkpointInterval commits by themselves). */
  async checkpoint(): Promise<LastCheckpoint> {
    return (await writeCheckpointFromLog(this.store, this.engine, this.location)) ?? writeCheckpoint(this.store, this.engine, await this.snapshot());
  }

  /** Remove log files past delta.logRetentionDuration that a newer checkpoint covers. */
  async cleanupLogs(now?: number): Promise<LogCleanupResult> {
    return cleanupExpiredLogs(this.store, (await this.snapshot()).configuration, now);
  }

  /** Staged writes (write data now, commit later) and the rest of the write API. */
  writer(): TableWriter {
    return new TableWriter(
      this.store,
      this.engine,
      this.location,
      (snapshot) => this.adopt(snapshot),
      (snapshot) => this.autoCompactAfter(snapshot),
    );
  }

  get location(): string {
    return this.store instanceof LocalObjectStore ? this.store.root : this.store.url;
  }

  private latest: Promise<Snapshot> | undefined;

  /**
   * The latest version, or the one asked for by version or timestamp. The latest is
   * kept and refreshed by reading only newer commits, so repeated reads of a growing
   * table cost one listing of the log's tail.
   */
  async snapshot(options: SnapshotOptions = {}): Promise<Snapshot> {
    if (options.version !== undefined || options.timestamp !== undefined) return loadSnapshot(this.store, this.engine, this.location, options);
    const previous = this.latest;
    const next = previous === undefined ? loadSnapshot(this.store, this.engine, this.location) : previous.then((s) => refreshSnapshot(s, this.engine));
    this.latest = next;
    try {
      return await next;
    } catch (error) {
      if (this.latest === next) this.latest = undefined;
      throw error;
    }
  }

  /**
   * The newest version the log holds, from a listing of the log's tail (after the
   * `_last_checkpoint` hint) without reading any commit or checkpoint: for a caller that
   * only compares versions (asset status) and would otherwise load a whole snapshot.
   * TABLE_NOT_FOUND when there is no table.
   */
  async latestVersion(): Promise<number> {
    return (await buildLogSegment(this.store, this.location)).latestVersion;
  }

  /**
   * Auto compaction's work now, whether or not the table asks for it: every partition holding
   * AUTO_COMPACT_MIN_FILES small files has them bin-packed in one OPTIMIZE commit marked auto.
   * For a writer that compacts beside its commits (a prediction log), so that no caller of a
   * write waits for it; undefined when nothing was due.
   */
  async compactSmallFiles(): Promise<OptimizeResult | undefined> {
    return compactSmallFiles(this.engine, this.store, this.writer(), await this.snapshot(), this.location);
  }

  private compacting = false;

  /** Delta's auto compaction after a write, when the table asks for it; one at a time per table handle. */
  private async autoCompactAfter(snapshot: Snapshot): Promise<void> {
    if (this.compacting || !autoCompactEnabled(snapshot.configuration)) return;
    this.compacting = true;
    try {
      await compactSmallFiles(this.engine, this.store, this.writer(), snapshot, this.location);
    } finally {
      this.compacting = false;
    }
  }

  /** A snapshot this table's own write made becomes the latest, unless a newer one already is. */
  private adopt(snapshot: Snapshot): void {
    const current = this.latest;
    this.latest =
      current === undefined
        ? Promise.resolve(snapshot)
        : current.then(
            (s) => (s.version >= snapshot.version ? s : snapshot),
            () => snapshot,
          );
  }

  /**
   * The reconciled log without the checks a read needs (protocol support, metadata
   * present): for inspecting damaged or partial logs.
   */
  logState(options: SnapshotOptions = {}): Promise<LogState> {
    return loadLogState(this.store, this.engine, this.location, options);
  }

  async scan(options: ReadOptions = {}): Promise<Scan> {
    const snapshotOptions: SnapshotOptions = {};
    if (options.version !== undefined) snapshotOptions.version = options.version;
    if (options.timestamp !== undefined) snapshotOptions.timestamp = options.timestamp;
    const snapshot = await this.snapshot(snapshotOptions);
    // A read inside a job run is one of its inputs (lineage); nobody listening, nothing is built.
    if (jobRunsObserved())
      reportTableRead({
        location: this.location,
        version: snapshot.version,
        fields: describeFields(snapshot.schema),
      });
    return new Scan(snapshot, this.engine, options);
  }

  /** The actions one commit wrote, for readers that follow a table commit by commit. */
  async commitActions(version: number): Promise<Action[]> {
    try {
      return await readJsonLogFile(this.store, commitPath(version));
    } catch (error) {
      if (error instanceof ObjectNotFoundError) throw new CommitMissingError(this.location, version);
      throw error;
    }
  }

  /**
   * The digest of one commit's bytes (as `Snapshot.commitDigest`), or undefined when that commit
   * is gone: a reader that kept what it read at a version checks the table still has that commit
   * there, not another one of a table deleted and created anew.
   */
  commitDigest(version: number): Promise<string | undefined> {
    return commitDigest(this.store, commitPath(version));
  }

  history(options: { limit?: number } = {}): Promise<HistoryEntry[]> {
    return readHistory(this.store, options);
  }
}
