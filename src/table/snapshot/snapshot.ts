import type { ObjectStore } from '../../storage/index.js';
import type { AddFile, DomainMetadata, Metadata, Protocol, RemoveFile, Txn } from '../actions/index.js';
import { columnMappingMode, parseSchemaString, type ColumnMappingMode, type StructField, type StructType } from '../schema/index.js';
import { SchemaInvalidError } from '../errors.js';
import type { TableState } from './table-state.js';
import { isTxnExpired, txnExpiry } from './txn-retention.js';

/** One version of a table, fully reconstructed: where reads and writes start. */
export class Snapshot {
  readonly schema: StructType;
  readonly columnMappingMode: ColumnMappingMode;
  private readonly liveFiles: AddFile[];

  constructor(
    readonly store: ObjectStore,
    readonly location: string,
    readonly version: number,
    readonly protocol: Protocol,
    readonly metadata: Metadata,
    private readonly state: TableState,
    /** Milliseconds since the epoch at which this version was committed. */
    readonly timestamp: number,
    /** The newest version in the log when this snapshot was loaded. */
    readonly latestVersion: number,
    /** Digest of this version's commit file: a later refresh checks the table is still the same one. */
    readonly commitDigest?: string,
  ) {
    this.schema = parseSchemaString(metadata.schemaString);
    this.columnMappingMode = columnMappingMode(metadata.configuration);
    this.liveFiles = [...state.files.values()];
    for (const column of metadata.partitionColumns) {
      if (!this.schema.fields.some((f) => f.name === column)) {
        throw new SchemaInvalidError(
          `Partition column ${column} of ${location} is not in the schema`,
          column,
          'The metaData action is inconsistent; fix the table metadata.',
        );
      }
    }
  }

  get partitionColumns(): readonly string[] {
    return this.metadata.partitionColumns;
  }

  get configuration(): Readonly<Record<string, string>> {
    return this.metadata.configuration;
  }

  /** The live logical files (data file plus optional deletion vector). */
  get files(): readonly AddFile[] {
    return this.liveFiles;
  }

  /** The reconciled log state behind this snapshot, for building the next one incrementally. */
  get logState(): TableState {
    return this.state;
  }

  get tombstones(): readonly RemoveFile[] {
    return [...this.state.tombstones.values()];
  }

  get domains(): ReadonlyMap<string, DomainMetadata> {
    return this.state.domains;
  }

  /** Each application's newest transaction, without expired ones (see txn-retention.ts). */
  get txns(): ReadonlyMap<string, Txn> {
    const expiry = txnExpiry(this.configuration);
    if (expiry === undefined) return this.state.txns;
    return new Map([...this.state.txns].filter(([, txn]) => !isTxnExpired(txn, expiry)));
  }

  /** An application's newest transaction, unless it has expired. */
  txn(appId: string): Txn | undefined {
    const txn = this.state.txns.get(appId);
    return txn === undefined || isTxnExpired(txn, txnExpiry(this.configuration)) ? undefined : txn;
  }

  /** The last committed version of an application's transactions, for exactly-once writes. */
  txnVersion(appId: string): number | undefined {
    return this.txn(appId)?.version;
  }

  field(name: string): StructField | undefined {
    return this.schema.fields.find((f) => f.name === name);
  }

  /** Data columns (all schema fields that are not partition columns), in schema order. */
  get dataFields(): readonly StructField[] {
    const partitions = new Set(this.metadata.partitionColumns);
    return this.schema.fields.filter((f) => !partitions.has(f.name));
  }

  get numRecords(): number | undefined {
    let total = 0;
    for (const file of this.liveFiles) {
      const records = statsNumRecords(file);
      if (records === undefined) return undefined;
      total += records - (file.deletionVector?.cardinality ?? 0);
    }
    return total;
  }

  get sizeInBytes(): number {
    return this.liveFiles.reduce((total, file) => total + file.size, 0);
  }
}

export function statsNumRecords(file: AddFile): number | undefined {
  if (file.stats === undefined) return undefined;
  try {
    const stats = JSON.parse(file.stats) as { numRecords?: unknown };
    return typeof stats.numRecords === 'number' ? stats.numRecords : undefined;
  } catch {
    return undefined;
  }
}
