import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SourceLag, SourceLagKey } from '../../ingest/index.js';

/** Commit latency buckets, in seconds: a small group commit takes milliseconds, a large body or a slow store seconds. */
const COMMIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** One group commit of ingested records into a table (or its failure). */
export interface IngestCommitOutcome {
  accepted: number;
  quarantined: number;
  /** The committed records' bytes as received. */
  bytes: number;
  seconds: number;
  /** Set when the commit failed: its records count as neither accepted nor quarantined. */
  failed?: boolean;
}

/**
 * Ingestion, through the server or a streaming job: `aquifer_ingest_records_total{table,outcome}`
 * (accepted or quarantined), `aquifer_ingest_bytes_total{table}`,
 * `aquifer_ingest_commits_total{table,result}`, `aquifer_ingest_commit_duration_seconds{table}`;
 * for streaming jobs `aquifer_kafka_consumer_lag{table,topic,partition}` (messages) and
 * `aquifer_kinesis_millis_behind_latest{table,stream,shard}`.
 */
export class IngestMetrics {
  private readonly records: Counter<'table' | 'outcome'>;
  private readonly bytes: Counter<'table'>;
  private readonly kafkaLag: Gauge<'table' | 'topic' | 'partition'>;
  private readonly kinesisLag: Gauge<'table' | 'stream' | 'shard'>;
  private readonly commits: Counter<'table' | 'result'>;
  private readonly duration: Histogram<'table'>;

  constructor(registry: Registry) {
    this.records = new Counter({
      name: 'aquifer_ingest_records_total',
      help: 'Records ingested through the server and committed, by table and outcome (accepted into the table, or quarantined).',
      labelNames: ['table', 'outcome'],
      registers: [registry],
    });
    this.bytes = new Counter({
      name: 'aquifer_ingest_bytes_total',
      help: 'Bytes of the records committed (request bodies, message values, Kinesis data as received), by table.',
      labelNames: ['table'],
      registers: [registry],
    });
    this.kafkaLag = new Gauge({
      name: 'aquifer_kafka_consumer_lag',
      help: 'Messages of a Kafka partition not yet in the table: its high watermark less the next offset the table needs.',
      labelNames: ['table', 'topic', 'partition'],
      registers: [registry],
    });
    this.kinesisLag = new Gauge({
      name: 'aquifer_kinesis_millis_behind_latest',
      help: 'How far the newest read of a Kinesis shard is behind its tip (MillisBehindLatest), in milliseconds.',
      labelNames: ['table', 'stream', 'shard'],
      registers: [registry],
    });
    this.commits = new Counter({
      name: 'aquifer_ingest_commits_total',
      help: 'Group commits of ingested records, by table and result (ok or failed).',
      labelNames: ['table', 'result'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'aquifer_ingest_commit_duration_seconds',
      help: 'Time a group commit of ingested records took (quality checks, Parquet and the Delta commit), by table.',
      labelNames: ['table'],
      buckets: COMMIT_BUCKETS,
      registers: [registry],
    });
  }

  /** A hook for one table's group committer. */
  committed(table: string, outcome: IngestCommitOutcome): void {
    this.commits.inc({ table, result: outcome.failed === true ? 'failed' : 'ok' });
    this.duration.observe({ table }, outcome.seconds);
    if (outcome.failed === true) return;
    if (outcome.bytes > 0) this.bytes.inc({ table }, outcome.bytes);
    if (outcome.accepted > 0) this.records.inc({ table, outcome: 'accepted' }, outcome.accepted);
    if (outcome.quarantined > 0) this.records.inc({ table, outcome: 'quarantined' }, outcome.quarantined);
  }

  /** A streaming job's lag for one partition or shard. */
  lag(table: string, lag: SourceLag): void {
    if (lag.source === 'kafka') this.kafkaLag.set({ table, topic: lag.topic, partition: String(lag.partition) }, lag.messages);
    else this.kinesisLag.set({ table, stream: lag.stream, shard: lag.shard }, lag.millisBehindLatest);
  }

  /** A partition or shard no longer the job's (revoked by a rebalance): its series goes, rather than keep its last value. */
  removeLag(table: string, key: SourceLagKey): void {
    if (key.source === 'kafka') this.kafkaLag.remove({ table, topic: key.topic, partition: String(key.partition) });
    else this.kinesisLag.remove({ table, stream: key.stream, shard: key.shard });
  }
}
