import { log } from '../log.js';
import type { BatchResult } from './ingest-target.js';
import type { GateWarning } from '../quality/index.js';

/** What one committed micro-batch of a streaming job did. */
export interface BatchReport {
  records: number;
  /** The records' bytes as the source delivered them (message values, Kinesis data). */
  bytes: number;
  /** How long the commit took: checks, the quality gate, Parquet and the Delta commit. */
  seconds: number;
  accepted: number;
  quarantined: number;
  version: number;
  /** The quality gate's failed table-level expectations, let through (`action: warn`). */
  warnings?: GateWarning[];
}

/**
 * How far a streaming job's table is behind its source, per partition or shard: for Kafka the
 * messages between the partition's high watermark and the next offset the table needs; for
 * Kinesis the shard's `MillisBehindLatest` from the newest read.
 */
export type SourceLag =
  { source: 'kafka'; topic: string; partition: number; messages: number } | { source: 'kinesis'; stream: string; shard: string; millisBehindLatest: number };

/** Which partition or shard a lag is of: what a job names when one is no longer its own (a rebalance revoked it). */
export type SourceLagKey = { source: 'kafka'; topic: string; partition: number } | { source: 'kinesis'; stream: string; shard: string };

/** Running totals of a streaming ingest job, with one report (callback and log line) per committed batch. */
export class JobMetrics {
  batches = 0;
  records = 0;
  bytes = 0;
  accepted = 0;
  quarantined = 0;
  lastVersion: number | undefined;

  constructor(
    private readonly source: string,
    private readonly table: string,
    private readonly onBatch?: (batch: BatchReport) => void,
  ) {}

  recordBatch(records: number, bytes: number, seconds: number, result: BatchResult): void {
    this.batches++;
    this.records += records;
    this.bytes += bytes;
    this.accepted += result.accepted;
    this.quarantined += result.quarantined;
    this.lastVersion = result.version;
    const report: BatchReport = {
      records,
      bytes,
      seconds,
      accepted: result.accepted,
      quarantined: result.quarantined,
      version: result.version,
      ...(result.warnings === undefined ? {} : { warnings: result.warnings }),
    };
    this.onBatch?.(report);
    log.info({ table: this.table, source: this.source, ...report }, 'ingest batch committed');
  }
}
