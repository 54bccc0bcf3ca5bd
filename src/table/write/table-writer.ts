import { randomUUID } from 'node:crypto';
import type { Engine } from '../../engine/index.js';
import type { ObjectStore } from '../../storage/index.js';
import type { Action, AddCdcFile, AddFile, CommitInfo, DomainMetadata, Metadata, Protocol, RemoveFile } from '../actions/index.js';
import {
  checkWriteSupport,
  commitOutcomeUnknown,
  commitTransaction,
  withReaderWriterFeature,
  withWriterFeature,
  type CommitResult,
  type TransactionFootprint,
} from '../commit/index.js';
import { SchemaInvalidError, WriteInvalidError } from '../errors.js';
import {
  checkColumnNames,
  columnMappingMode,
  describeFields,
  describeType,
  parseSchemaString,
  schemaToString,
  type StructField,
  type StructType,
} from '../schema/index.js';
import { jobRunsObserved, reportTableCommit, type DatasetRef } from '../../observe/index.js';
import { loadSnapshot, snapshotAfterCommit, statsNumRecords, type CommittedVersion, type Snapshot } from '../snapshot/index.js';
import { cleanupExpiredLogs, writeCheckpoint, writeCheckpointFromLog } from '../checkpoint/index.js';
import { log } from '../../log.js';
import { discardWritten, writeDataFiles, type DataWriteResult, type DataWriteSpec } from './data-writer.js';
import { assignColumnMapping, MAX_COLUMN_ID_KEY, protocolForNewTable, usesType } from './new-table-protocol.js';
import { mergeSchemas } from './schema-merge.js';
import { alterSchema, type SchemaChange } from './schema-alter.js';
import { filesMatchingPartitions, parsePartitionPredicate } from './partition-match.js';
import type { Predicate } from '../scan/index.js';
import { conformingProjection, sourceFields } from './schema-check.js';
import { prepareSource, sourceError, type WriteSource } from './write-source.js';
import { writeLineage } from './write-lineage.js';

export interface WriteResult {
  /** The version committed, or the current one when the write was skipped. */
  version: number;
  /** True when an idempotent write (same appId and version) had already been committed. */
  skipped: boolean;
  filesAdded: number;
  filesRemoved: number;
  rows: number;
  bytes: number;
}

export interface AppTransaction {
  appId: string;
  version: number;
}

export interface WriteOptions {
  /**
   * Exactly-once markers: the write is committed with these application transactions,
   * and skipped when every one of them already was.
   */
  txn?: AppTransaction | readonly AppTransaction[];
  /** Roll to a new data file after about this many bytes. */
  targetFileSize?: number;
  /** Told the fraction done (0..1) while data files are written. */
  onProgress?: (fraction: number) => void;
  /**
   * Keep the rows in the order the source query gives them (ORDER BY it at its top), as
   * a scan reads them back: one data file per write, since DuckDB's size-rolling COPY
   * writes row groups out of order. Not for partitioned tables.
   */
  preserveOrder?: boolean;
  /**
   * Domain metadata to set in the same commit (positions that do not fit a txn version,
   * such as Kinesis sequence numbers). The table gains the domainMetadata writer
   * feature in that commit if it lacks it.
   */
  domains?: readonly DomainMetadata[];
  /**
   * Abandons the write (throwing its reason) while nothing is committed: checked before the
   * data files are written and again just before the commit. Once the commit has started it
   * finishes: a put-if-absent cannot be taken back.
   */
  signal?: AbortSignal;
  /**
   * Schema evolution (Delta's `mergeSchema`): columns the table lacks are added as
   * nullable, and wider types replace narrower ones where the table enables type
   * widening (`delta.enableTypeWidening`). Without it, such data is a typed error.
   */
  mergeSchema?: boolean;
}

export interface OverwriteOptions extends WriteOptions {
  /** Replace only the partitions matching this SQL predicate over partition columns. */
  where?: string;
  /**
   * Replace the table's schema with the data's (Delta's `overwriteSchema`), for an
   * overwrite of the whole table; partition columns change only when given.
   */
  overwriteSchema?: boolean;
  /** With `overwriteSchema`, the new partition columns. */
  partitionColumns?: readonly string[];
  /**
   * With `where`: the partition values (by partition column) the predicate limits the write
   * to, as `where` says them. A concurrent add in another partition then does not conflict
   * (Delta's conflict check by partition), so partitions of one table can be replaced side by side.
   */
  partitionScope?: Readonly<Record<string, string>>;
}

export interface CreateOptions extends WriteOptions {
  /** The schema; inferred from `data` when absent. */
  schema?: StructType;
  data?: WriteSource;
  partitionColumns?: readonly string[];
  properties?: Readonly<Record<string, string>>;
  name?: string;
  description?: string;
}

/** Writes that start from a snapshot and end in one atomic commit. */
export class TableWriter {
  constructor(
    private readonly store: ObjectStore,
    private readonly engine: Engine,
    private readonly location: string,
    /** Told the snapshot each commit made when it could be built without reading the log back. */
    private readonly onCommitted?: (snapshot: Snapshot) => void,
    /** Post-commit work on that snapshot once the checkpoint is written (auto compaction), awaited by the write. */
    private readonly postCommit?: (snapshot: Snapshot) => Promise<unknown>,
  ) {}

  async create(options: CreateOptions): Promise<WriteResult> {
    try {
      return await this.createFrom(options);
    } catch (error) {
      throw options.data === undefined ? error : sourceError(options.data, error);
    }
  }

  private async createFrom(options: CreateOptions): Promise<WriteResult> {
    const prepared = options.data === undefined ? undefined : await prepareSource(options.data, options.schema, this.engine);
    try {
      let schema = options.schema;
      if (schema === undefined) {
        if (prepared === undefined)
          throw new SchemaInvalidError(
            'A new table needs a schema or data to infer one from',
            this.location,
            'Pass a schema, or data to create the table from.',
          );
        schema = { kind: 'struct', fields: await this.sourceFields(prepared.sql) };
      }
      checkColumnNames(schema.fields);
      const properties: Record<string, string> = { ...(options.properties ?? {}) };
      const partitionColumns = [...(options.partitionColumns ?? [])];
      for (const column of partitionColumns) {
        const field = schema.fields.find((f) => f.name === column);
        if (field === undefined)
          throw new SchemaInvalidError(
            `Partition column '${column}' is not in the schema`,
            column,
            `Choose among: ${schema.fields.map((f) => f.name).join(', ')}.`,
          );
        if (field.type.kind !== 'primitive' && field.type.kind !== 'decimal') {
          throw new SchemaInvalidError(
            `Partition column '${column}' has type ${describeType(field.type)}; partition columns must be primitive`,
            column,
            'Partition by a string, number, boolean, date or timestamp column.',
          );
        }
      }
      const mode = properties['delta.columnMapping.mode'];
      if (mode === 'name' || mode === 'id') {
        const mapped = assignColumnMapping(schema);
        schema = mapped.schema;
        properties[MAX_COLUMN_ID_KEY] = String(mapped.maxColumnId);
      }
      const metadata: Metadata = {
        id: randomUUID(),
        format: { provider: 'parquet', options: {} },
        schemaString: schemaToString(schema),
        partitionColumns,
        configuration: properties,
        createdTime: Date.now(),
      };
      if (options.name !== undefined) metadata.name = options.name;
      if (options.description !== undefined) metadata.description = options.description;
      const protocol = protocolForNewTable(schema, properties);
      const spec: DataWriteSpec = {
        schema,
        partitionColumns,
        mode: columnMappingMode(properties),
        configuration: properties,
        ...sizeOption(options),
        ...(prepared?.bytes === undefined ? {} : { sourceBytes: prepared.bytes }),
      };
      const written: DataWriteResult =
        prepared === undefined
          ? { adds: [], rows: 0, bytes: 0 }
          : await writeDataFiles(
              this.engine,
              this.store,
              spec,
              `SELECT ${conformingProjection(schema, await this.sourceFields(prepared.sql), this.location)} FROM (${prepared.sql})`,
            );
      const actions: Action[] = [
        { kind: 'protocol', protocol },
        { kind: 'metaData', metaData: metadata },
      ];
      actions.push(...txnList(options).map((t): Action => ({ kind: 'txn', txn: { appId: t.appId, version: t.version, lastUpdated: Date.now() } })));
      actions.push(...written.adds.map((add): Action => ({ kind: 'add', add })));
      try {
        const committed = await commitTransaction(this.store, this.location, {
          readVersion: undefined,
          actions,
          operation: prepared === undefined ? 'CREATE TABLE' : 'CREATE TABLE AS SELECT',
          operationParameters: {
            partitionBy: JSON.stringify(partitionColumns),
            description: options.description ?? null,
            isManaged: 'false',
            properties: JSON.stringify(properties),
          },
          operationMetrics: metrics(written, 0),
          footprint: { isBlindAppend: false, readFiles: [], appIds: txnList(options).map((t) => t.appId), changesMetadata: true },
          inCommitTimestamps: properties['delta.enableInCommitTimestamps'] === 'true',
        });
        await this.afterCommit(
          committed,
          properties,
          undefined,
          options.data === undefined ? undefined : await writeLineage(this.engine, options.data, this.location),
        );
        return result(committed.version, written, 0);
      } catch (error) {
        if (!commitOutcomeUnknown(error)) await discardWritten(this.store, written.adds);
        throw error;
      }
    } finally {
      await prepared?.dispose();
    }
  }

  async append(snapshot: Snapshot, data: WriteSource, options: WriteOptions = {}): Promise<WriteResult> {
    return this.stageAndCommit(snapshot, data, options, 'Append');
  }

  async overwrite(snapshot: Snapshot, data: WriteSource, options: OverwriteOptions = {}): Promise<WriteResult> {
    if (snapshot.configuration['delta.appendOnly'] === 'true') {
      throw new WriteInvalidError(
        'TABLE_APPEND_ONLY',
        `${this.location} is append-only (delta.appendOnly=true); it cannot be overwritten`,
        this.location,
        'Append instead, or unset delta.appendOnly.',
      );
    }
    return this.stageAndCommit(snapshot, data, options, 'Overwrite');
  }

  /**
   * Rename or drop columns as a metadata-only commit (the table must use column mapping).
   * A concurrent commit that also changed the metadata makes this one fail with a conflict.
   */
  async alter(snapshot: Snapshot, change: SchemaChange): Promise<WriteResult> {
    checkWriteSupport(snapshot.protocol, snapshot.metadata, this.location);
    const altered = alterSchema(snapshot.schema, snapshot.partitionColumns, snapshot.configuration, change, this.location);
    const metadata: Metadata = { ...snapshot.metadata, schemaString: schemaToString(altered.schema), partitionColumns: altered.partitionColumns };
    const operationParameters: Record<string, unknown> =
      change.kind === 'rename-column'
        ? { oldColumnPath: change.column.join('.'), newColumnPath: [...change.column.slice(0, -1), change.to].join('.') }
        : change.kind === 'drop-columns'
          ? { columns: JSON.stringify(change.columns.map((c) => c.join('.'))) }
          : { columns: JSON.stringify(change.columns.map((c) => c.column.join('.'))) };
    const committed = await commitTransaction(this.store, this.location, {
      readVersion: snapshot.version,
      actions: [{ kind: 'metaData', metaData: metadata }],
      // Delta's names for these commits (CHANGE COLUMNS: its ALTER COLUMN of several columns).
      operation: change.kind === 'rename-column' ? 'RENAME COLUMN' : change.kind === 'drop-columns' ? 'DROP COLUMNS' : 'CHANGE COLUMNS',
      operationParameters,
      operationMetrics: {},
      footprint: { isBlindAppend: false, readFiles: [], appIds: [], changesMetadata: true },
      inCommitTimestamps: snapshot.configuration['delta.enableInCommitTimestamps'] === 'true',
      previousTimestamp: snapshot.timestamp,
      ...readDigest(snapshot),
    });
    await this.afterCommit(committed, snapshot.configuration, snapshot);
    return { version: committed.version, skipped: false, filesAdded: 0, filesRemoved: 0, rows: 0, bytes: 0 };
  }

  /**
   * Commit a change that replaces files (a delete, update or merge): removes, adds and
   * possibly a protocol upgrade, checked against concurrent commits for the files it
   * read. On failure the data files it wrote (`written`) and its deletion-vector files
   * are removed; files it re-adds with a new deletion vector are the table's and stay.
   */
  async commitChange(snapshot: Snapshot, change: ChangeSet): Promise<number> {
    const now = Date.now();
    const actions: Action[] = [];
    if (change.protocol !== undefined && change.protocol !== snapshot.protocol) actions.push({ kind: 'protocol', protocol: change.protocol });
    if (change.metadata !== undefined) actions.push({ kind: 'metaData', metaData: change.metadata });
    actions.push(...change.removes.map((file): Action => ({ kind: 'remove', remove: removeFor(file, now, change.dataChange ?? true) })));
    actions.push(...change.adds.map((add): Action => ({ kind: 'add', add })));
    actions.push(...(change.cdc ?? []).map((cdc): Action => ({ kind: 'cdc', cdc })));
    try {
      const committed = await commitTransaction(this.store, this.location, {
        readVersion: snapshot.version,
        actions,
        operation: change.operation,
        operationParameters: change.operationParameters,
        operationMetrics: change.operationMetrics,
        footprint: {
          isBlindAppend: false,
          readFiles: change.readFiles,
          readsAdd: change.readsAdd ?? (() => true),
          appIds: [],
          changesMetadata: (change.protocol !== undefined && change.protocol !== snapshot.protocol) || change.metadata !== undefined,
        },
        inCommitTimestamps: snapshot.configuration['delta.enableInCommitTimestamps'] === 'true',
        previousTimestamp: snapshot.timestamp,
        ...readDigest(snapshot),
      });
      await this.afterCommit(committed, change.metadata?.configuration ?? snapshot.configuration, snapshot, change.lineage);
      return committed.version;
    } catch (error) {
      if (!commitOutcomeUnknown(error)) await discardWritten(this.store, [...change.written, ...(change.cdc ?? [])], change.deletionVectorFiles);
      throw error;
    }
  }

  /** Whether every application transaction of the options was already committed (an idempotent repeat). */
  alreadyCommitted(snapshot: Snapshot, options: WriteOptions): boolean {
    const txns = txnList(options);
    return txns.length > 0 && txns.every((t) => (snapshot.txnVersion(t.appId) ?? -1) >= t.version);
  }

  /**
   * Write a change's data files without committing it, so a caller can do other work
   * (such as writing a quarantine) between writing the data and making it visible.
   * Nothing is visible until `commit`; `discard` removes the files.
   */
  async stage(snapshot: Snapshot, data: WriteSource, options: OverwriteOptions, mode: 'Append' | 'Overwrite'): Promise<StagedWrite> {
    try {
      return await this.stageFrom(snapshot, data, options, mode);
    } catch (error) {
      throw sourceError(data, error);
    }
  }

  private async stageFrom(snapshot: Snapshot, data: WriteSource, options: OverwriteOptions, mode: 'Append' | 'Overwrite'): Promise<StagedWrite> {
    checkWriteSupport(snapshot.protocol, snapshot.metadata, this.location);
    // Read with the table's types (CSV included), unless the data is to replace the schema; a CSV
    // under mergeSchema keeps its own types, so wider ones can widen the table.
    const prepared = await prepareSource(
      data,
      options.overwriteSchema === true ? undefined : snapshot.schema,
      options.mergeSchema === true ? undefined : this.engine,
    );
    try {
      const given = await this.sourceFields(prepared.sql);
      const evolution = evolveSchema(snapshot, given, mode, options, this.location);
      const schema = evolution?.schema ?? snapshot.schema;
      const partitionColumns = evolution?.metadata.partitionColumns ?? snapshot.partitionColumns;
      const configuration = evolution?.metadata.configuration ?? snapshot.configuration;
      const projection = conformingProjection(schema, given, this.location);
      const conformed = `SELECT ${projection} FROM (${prepared.sql})`;
      let removed: AddFile[] = [];
      if (mode === 'Overwrite') {
        if (options.where === undefined) removed = [...snapshot.files];
        else {
          const predicate = await parsePartitionPredicate(this.engine, snapshot, options.where);
          removed = await filesMatchingPartitions(this.engine, snapshot, snapshot.files, predicate);
          await this.checkInsidePredicate(conformed, predicate);
        }
      }
      const spec: DataWriteSpec = {
        schema,
        partitionColumns,
        mode: columnMappingMode(configuration),
        configuration,
        ...sizeOption(options),
        ...(prepared.bytes === undefined ? {} : { sourceBytes: prepared.bytes }),
      };
      const written = await writeDataFiles(this.engine, this.store, spec, conformed);
      const lineage = await writeLineage(this.engine, data, this.location);
      return { snapshot, mode, written, removed, options, ...(evolution === undefined ? {} : { evolution }), ...(lineage === undefined ? {} : { lineage }) };
    } finally {
      await prepared.dispose();
    }
  }

  /** Commit a staged write, with any further application transactions; on failure its files are removed. */
  async commit(staged: StagedWrite, extraTxns: readonly AppTransaction[] = []): Promise<WriteResult> {
    const { snapshot, mode, written, removed, options, evolution, lineage } = staged;
    try {
      const now = Date.now();
      const txns = [...txnList(options), ...extraTxns];
      const actions: Action[] = txns.map((t): Action => ({ kind: 'txn', txn: { appId: t.appId, version: t.version, lastUpdated: now } }));
      const domains = options.domains ?? [];
      let protocol = evolution?.protocol ?? snapshot.protocol;
      if (domains.length > 0) protocol = withWriterFeature(protocol, 'domainMetadata') ?? protocol;
      if (protocol !== snapshot.protocol) actions.push({ kind: 'protocol', protocol });
      if (evolution !== undefined) actions.push({ kind: 'metaData', metaData: evolution.metadata });
      actions.push(...domains.map((d): Action => ({ kind: 'domainMetadata', domainMetadata: d })));
      actions.push(...removed.map((file): Action => ({ kind: 'remove', remove: removeFor(file, now) })));
      actions.push(...written.adds.map((add): Action => ({ kind: 'add', add })));
      const appIds = txns.map((t) => t.appId);
      const changesMetadata = actions.some((a) => a.kind === 'protocol' || a.kind === 'metaData');
      const footprint: TransactionFootprint =
        mode === 'Append'
          ? { isBlindAppend: true, readFiles: [], appIds, changesMetadata }
          : { isBlindAppend: false, readFiles: removed, readsAdd: addInScope(options), appIds, changesMetadata };
      const operationParameters: Record<string, unknown> = {
        mode,
        partitionBy: JSON.stringify(evolution?.metadata.partitionColumns ?? snapshot.partitionColumns),
      };
      if (options.where !== undefined) operationParameters['predicate'] = JSON.stringify([options.where]);
      options.signal?.throwIfAborted();
      const committed = await commitTransaction(this.store, this.location, {
        readVersion: snapshot.version,
        actions,
        operation: 'WRITE',
        operationParameters,
        operationMetrics: metrics(written, removed.length),
        footprint,
        inCommitTimestamps: snapshot.configuration['delta.enableInCommitTimestamps'] === 'true',
        previousTimestamp: snapshot.timestamp,
        ...readDigest(snapshot),
      });
      await this.afterCommit(committed, evolution?.metadata.configuration ?? snapshot.configuration, snapshot, lineage);
      return result(committed.version, written, removed.length);
    } catch (error) {
      if (!commitOutcomeUnknown(error)) await this.discard(staged);
      throw error;
    }
  }

  /** Tell whoever observes job runs (lineage) what this commit wrote: never fails the commit. */
  private report(committed: CommittedVersion, before: Snapshot | undefined, lineage: TableChangeLineage | undefined): void {
    try {
      let info: CommitInfo | undefined;
      let metadata: Metadata | undefined;
      let rows = 0;
      let bytes = 0;
      let files = 0;
      for (const action of committed.actions) {
        if (action.kind === 'commitInfo') info = action.commitInfo;
        else if (action.kind === 'metaData') metadata = action.metaData;
        else if (action.kind === 'add' && action.add.dataChange !== false) {
          files++;
          bytes += action.add.size;
          rows += statsNumRecords(action.add) ?? 0;
        }
      }
      const schema = metadata === undefined ? before?.schema : parseSchemaString(metadata.schemaString);
      // A whole-table overwrite (no replaceWhere predicate) carries nothing of the version before it over.
      const parameters = info?.operationParameters;
      const replacedAll = info?.operation === 'WRITE' && parameters?.['mode'] === 'Overwrite' && parameters['predicate'] === undefined;
      reportTableCommit({
        location: this.location,
        version: committed.version,
        operation: info?.operation ?? 'WRITE',
        ...(replacedAll ? { mode: 'Overwrite' as const } : {}),
        ...(info?.readVersion === undefined ? {} : { readVersion: info.readVersion }),
        ...(schema === undefined ? {} : { fields: describeFields(schema) }),
        rows,
        bytes,
        files,
        ...(lineage?.columnLineage === undefined ? {} : { columnLineage: lineage.columnLineage }),
        ...(lineage?.datasetLineage === undefined ? {} : { datasetLineage: lineage.datasetLineage }),
      });
    } catch (error) {
      log.warn({ err: error, table: this.location, version: committed.version }, 'could not report a commit to lineage');
    }
  }

  /**
   * After a commit: hand on the snapshot it made (built in memory when it followed the
   * version it read), checkpoint every `delta.checkpointInterval` versions (10 by
   * default, as Spark) and remove expired log files. The commit already stands, so this
   * never throws: a failed checkpoint is logged, and readers replay the JSON commits
   * until the next one succeeds.
   */
  private async afterCommit(
    { version, committed, followsRead }: CommitResult,
    configuration: Readonly<Record<string, string>>,
    before?: Snapshot,
    lineage?: TableChangeLineage,
  ): Promise<void> {
    if (jobRunsObserved()) this.report(committed, before, lineage);
    try {
      // Built only where nothing came between: the commit followed the version read, and that
      // version is still the one read (a table deleted and made anew at the same place is not).
      const after = followsRead && before !== undefined ? snapshotAfterCommit(before, committed) : undefined;
      if (after !== undefined) this.onCommitted?.(after);
      const interval = checkpointInterval(configuration);
      if (version !== 0 && version % interval === 0) {
        // The snapshot in memory holds the file list already, and writing it is quicker than
        // replaying the log; without it, straight from the log in DuckDB where it can, else a load.
        if (after !== undefined) await writeCheckpoint(this.store, this.engine, after);
        else if ((await writeCheckpointFromLog(this.store, this.engine, this.location, version)) === undefined) {
          await writeCheckpoint(this.store, this.engine, await loadSnapshot(this.store, this.engine, this.location, { version }));
        }
        await cleanupExpiredLogs(this.store, configuration);
      }
      // Only after writes that added data: a compaction's own commit adds none (dataChange false).
      if (after !== undefined && committed.actions.some((a) => a.kind === 'add' && a.add.dataChange)) await this.postCommit?.(after);
    } catch (error) {
      log.warn(
        { err: error, table: this.location, version },
        'committed, but the work after the commit (next snapshot, checkpoint, log cleanup, auto compaction) failed; readers replay the JSON commits instead',
      );
    }
  }

  /** Remove the data files of a staged write that will not be committed. */
  async discard(staged: StagedWrite): Promise<void> {
    await discardWritten(this.store, staged.written.adds);
  }

  private async stageAndCommit(snapshot: Snapshot, data: WriteSource, options: OverwriteOptions, mode: 'Append' | 'Overwrite'): Promise<WriteResult> {
    if (this.alreadyCommitted(snapshot, options)) {
      return { version: snapshot.version, skipped: true, filesAdded: 0, filesRemoved: 0, rows: 0, bytes: 0 };
    }
    options.signal?.throwIfAborted();
    return this.commit(await this.stage(snapshot, data, options, mode));
  }

  /** New data written by a partition overwrite must fall inside the partitions it replaces. */
  private async checkInsidePredicate(conformed: string, predicate: Predicate): Promise<void> {
    const where = predicate.text;
    const rows = await this.engine.query(`SELECT count(*) AS n FROM (${conformed}) WHERE NOT COALESCE(${predicate.sql}, FALSE)`);
    const outside = Number(rows[0]?.['n'] ?? 0);
    if (outside > 0) {
      throw new WriteInvalidError(
        'WRITE_OUTSIDE_PREDICATE',
        `${outside} rows of the new data do not match the overwrite predicate ${where}`,
        where,
        'Filter the data to the partitions being replaced, or widen the predicate.',
      );
    }
  }

  private async sourceFields(sql: string) {
    const reader = await this.engine.read(`SELECT * FROM (${sql}) LIMIT 0`);
    return sourceFields(reader.columnNames(), reader.columnTypes());
  }
}

/** A change that replaces files, ready to commit (see `TableWriter.commitChange`). */
export interface ChangeSet {
  removes: readonly AddFile[];
  adds: readonly AddFile[];
  /** Data files this change wrote (a subset of `adds`), removed if the commit fails. */
  written: readonly AddFile[];
  /** Deletion-vector files this change wrote (store keys), removed if the commit fails. */
  deletionVectorFiles: readonly string[];
  /** Change data files (the change data feed) written for this change. */
  cdc?: readonly AddCdcFile[];
  protocol?: Protocol;
  /** New table metadata committed with the change (a restore to a version with another schema). */
  metadata?: Metadata;
  operation: string;
  operationParameters: Record<string, unknown>;
  operationMetrics: Record<string, string>;
  /** Files whose rows the change read: a concurrent removal of any is a conflict. */
  readFiles: readonly AddFile[];
  /** Whether a concurrent (non-blind) add could hold rows the change should have read; every add by default. */
  readsAdd?: (add: AddFile) => boolean;
  /** False for changes that move rows without changing them (compaction): readers of changes skip them. */
  dataChange?: boolean;
  /** Which columns fed the values written and which decided the rows changed, for lineage. */
  lineage?: TableChangeLineage;
}

/** Column lineage of a change, as lineage reports it. */
export interface TableChangeLineage {
  columnLineage?: DatasetRef['columnLineage'];
  datasetLineage?: DatasetRef['datasetLineage'];
}

/** What a write that evolves or replaces the schema commits besides its files. */
export interface SchemaEvolution {
  schema: StructType;
  metadata: Metadata;
  protocol: Protocol;
}

/** A change whose data files are written but not yet committed. */
export interface StagedWrite {
  snapshot: Snapshot;
  mode: 'Append' | 'Overwrite';
  written: DataWriteResult;
  removed: AddFile[];
  options: OverwriteOptions;
  /** The new metadata (and protocol) when the write evolves or replaces the schema. */
  evolution?: SchemaEvolution;
  /** Which source columns feed the columns written, for lineage (a write from SQL). */
  lineage?: TableChangeLineage;
}

/**
 * The metadata a write with `mergeSchema` or `overwriteSchema` commits, or undefined when
 * the schema stays. Column-mapped tables give new columns ids and physical names past the
 * highest used; a widened type brings the typeWidening feature when the table lacks it.
 */
function evolveSchema(
  snapshot: Snapshot,
  given: readonly StructField[],
  mode: 'Append' | 'Overwrite',
  options: OverwriteOptions,
  location: string,
): SchemaEvolution | undefined {
  const replacing = options.overwriteSchema === true;
  if (replacing && (mode !== 'Overwrite' || options.where !== undefined)) {
    throw new WriteInvalidError(
      'WRITE_OPTIONS_INVALID',
      'overwriteSchema replaces the whole table: it goes with an overwrite that has no partition predicate',
      location,
      'Drop `where`, or write with mergeSchema instead.',
    );
  }
  if (!replacing && options.mergeSchema !== true) return undefined;
  const configuration: Record<string, string> = { ...snapshot.configuration };
  let schema: StructType;
  let widened = false;
  let partitionColumns = [...snapshot.partitionColumns];
  if (replacing) {
    schema = { kind: 'struct', fields: given.map((f) => ({ ...f, nullable: true })) };
    if (options.partitionColumns !== undefined) partitionColumns = [...options.partitionColumns];
    for (const column of partitionColumns) {
      if (!schema.fields.some((f) => f.name === column))
        throw new SchemaInvalidError(
          `Partition column '${column}' is not in the new schema`,
          column,
          `Choose among: ${schema.fields.map((f) => f.name).join(', ')}, or pass partitionColumns.`,
        );
    }
  } else {
    const merged = mergeSchemas(snapshot.schema, given, { typeWidening: snapshot.configuration['delta.enableTypeWidening'] === 'true', location });
    if (!merged.changed) return undefined;
    schema = merged.schema;
    widened = merged.widened;
  }
  if (columnMappingMode(configuration) !== 'none') {
    const mapped = assignColumnMapping(schema, Number(configuration[MAX_COLUMN_ID_KEY] ?? 0));
    schema = mapped.schema;
    configuration[MAX_COLUMN_ID_KEY] = String(mapped.maxColumnId);
  }
  const metadata: Metadata = { ...snapshot.metadata, schemaString: schemaToString(schema), partitionColumns, configuration };
  let protocol = snapshot.protocol;
  const features = new Set([...(protocol.readerFeatures ?? []), ...(protocol.writerFeatures ?? [])]);
  if (widened && !features.has('typeWidening') && !features.has('typeWidening-preview')) protocol = withReaderWriterFeature(protocol, 'typeWidening');
  if (!features.has('timestampNtz') && usesType(schema, 'timestamp_ntz')) protocol = withReaderWriterFeature(protocol, 'timestampNtz');
  return { schema, metadata, protocol };
}

/** `delta.checkpointInterval`, or 10 where it is unset or not a positive whole number. */
function checkpointInterval(configuration: Readonly<Record<string, string>>): number {
  const value = Number(configuration['delta.checkpointInterval'] ?? 10);
  return Number.isInteger(value) && value > 0 ? value : 10;
}

function txnList(options: WriteOptions): readonly AppTransaction[] {
  if (options.txn === undefined) return [];
  return Array.isArray(options.txn) ? options.txn : [options.txn as AppTransaction];
}

function removeFor(file: AddFile, now: number, dataChange = true): RemoveFile {
  const remove: RemoveFile = {
    path: file.path,
    deletionTimestamp: now,
    dataChange,
    extendedFileMetadata: true,
    partitionValues: file.partitionValues,
    size: file.size,
  };
  if (file.stats !== undefined) remove.stats = file.stats;
  if (file.tags !== undefined) remove.tags = file.tags;
  if (file.deletionVector !== undefined) remove.deletionVector = file.deletionVector;
  if (file.baseRowId !== undefined) remove.baseRowId = file.baseRowId;
  if (file.defaultRowCommitVersion !== undefined) remove.defaultRowCommitVersion = file.defaultRowCommitVersion;
  return remove;
}

function metrics(written: DataWriteResult, removed: number): Record<string, string> {
  const out: Record<string, string> = { numFiles: String(written.adds.length), numOutputRows: String(written.rows), numOutputBytes: String(written.bytes) };
  if (removed > 0) out['numRemovedFiles'] = String(removed);
  return out;
}

function result(version: number, written: DataWriteResult, removed: number): WriteResult {
  return { version, skipped: false, filesAdded: written.adds.length, filesRemoved: removed, rows: written.rows, bytes: written.bytes };
}

function sizeOption(options: WriteOptions): { targetFileSize?: number; onProgress?: (fraction: number) => void; preserveOrder?: boolean } {
  const out: { targetFileSize?: number; onProgress?: (fraction: number) => void; preserveOrder?: boolean } = {};
  if (options.targetFileSize !== undefined) out.targetFileSize = options.targetFileSize;
  if (options.preserveOrder === true) out.preserveOrder = true;
  if (options.onProgress !== undefined) out.onProgress = options.onProgress;
  return out;
}

/** The read version's digest for the commit request, so the commit can tell whether that version still stands. */
function readDigest(snapshot: Snapshot): { readDigest?: string } {
  return snapshot.commitDigest === undefined ? {} : { readDigest: snapshot.commitDigest };
}

/** Whether a concurrent add falls in what an overwrite read: every add, unless the overwrite names its partitions. */
function addInScope(options: WriteOptions & { where?: string; partitionScope?: Readonly<Record<string, string>> }): (add: AddFile) => boolean {
  const scope = options.where === undefined ? undefined : options.partitionScope;
  if (scope === undefined) return () => true;
  return (add) => Object.entries(scope).every(([column, value]) => add.partitionValues[column] === undefined || add.partitionValues[column] === value);
}
