import { Kafka, logLevel, type Consumer, type EachBatchPayload, type KafkaMessage } from 'kafkajs';
import { describeError } from '../../errors.js';
import { log } from '../../log.js';
import type { BatchResult, IngestTarget } from '../ingest-target.js';
import type { DatasetRef } from '../../observe/index.js';
import { observedRun, tableNameOf } from '../job-runs.js';
import { JobMetrics, type BatchReport, type SourceLag, type SourceLagKey } from '../job-metrics.js';
import type { RawRecord } from '../source-position.js';
import { recordFromBytes } from '../sources/utf8-record.js';

export interface KafkaIngestOptions {
  brokers: readonly string[];
  /** A topic name, or a pattern matching topic names. */
  topic: string | RegExp;
  /** The consumer group; its committed offsets are only a hint, the table's positions decide. */
  groupId: string;
  clientId?: string;
  /** Commit a micro-batch once it holds this many records... */
  maxBatchRecords?: number;
  /** ...or once its oldest record has waited this long. */
  maxBatchMs?: number;
  /** Keep the message key in this column (a string). */
  keyColumn?: string;
  /** Keep the message headers in this column (a JSON object of strings). */
  headersColumn?: string;
  sessionTimeoutMs?: number;
  /** Told after every committed micro-batch. */
  onBatch?: (batch: BatchReport) => void;
  /** Told of a partition's lag whenever a fetch or a commit moves it. */
  onLag?: (lag: SourceLag) => void;
  /** Told of a partition whose lag was reported and that a rebalance took away: its lag is no longer this job's to say. */
  onLagRemoved?: (partition: SourceLagKey) => void;
}

/** Positions of a Kafka partition in a table: txn appId `aquifer.kafka:<topic>:<partition>`, version = last offset written. */
export function kafkaAppId(topic: string, partition: number): string {
  return `aquifer.kafka:${topic}:${partition}`;
}

interface Buffered {
  records: RawRecord[];
  bytes: number;
  /** Next offset to commit to the group per topic/partition, as a hint. */
  next: Map<string, { topic: string; partition: number; offset: string }>;
  since: number;
}

/**
 * A long-running job that ingests a topic into one table, exactly once. Offsets go into
 * the same Delta commit as the records (txn actions, like kafka-delta-ingest); on every
 * assignment the job seeks each partition to the table's position, and the table itself
 * refuses records at or before its position, so neither a crash nor a rebalance can add
 * a record twice. Group offsets are committed after the table, as a hint for other tools.
 */
export class KafkaIngestJob {
  readonly metrics: JobMetrics;
  private readonly consumer: Consumer;
  private buffer: Buffered = { records: [], bytes: 0, next: new Map(), since: 0 };
  /** Per topic/partition: the newest high watermark fetched, and the next offset the table needs (for the lag). */
  private readonly highWatermarks = new Map<string, { topic: string; partition: number; offset: bigint }>();
  private readonly committedNext = new Map<string, bigint>();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failure: unknown;
  private stopped = false;

  constructor(
    private readonly target: IngestTarget,
    private readonly options: KafkaIngestOptions,
  ) {
    this.metrics = new JobMetrics('kafka', target.location, options.onBatch);
    const kafka = new Kafka({ clientId: options.clientId ?? 'aquifer-ingest', brokers: [...options.brokers], logLevel: logLevel.NOTHING });
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxWaitTimeInMs: 200,
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.options.topic], fromBeginning: true });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.forgetRevoked(event.payload.memberAssignment);
      this.seekToTablePositions(event.payload.memberAssignment).catch((error: unknown) => this.fail(error));
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      // Retriable errors (a group coordinator still loading on a fresh broker, a leader
      // moving) make kafkajs restart the consumer itself; only the others end the job.
      if (event.payload.restart) log.warn({ err: event.payload.error }, 'kafka consumer restarting after a retriable error');
      else this.fail(event.payload.error);
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.timer = setInterval(
      () => {
        if (this.buffer.records.length > 0 && Date.now() - this.buffer.since >= this.maxMs) void this.flush();
      },
      Math.max(10, Math.floor(this.maxMs / 4)),
    );
  }

  /** Commit what is buffered, then leave the group. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    // Flush while still a member (so group offsets can be committed), then once more for
    // whatever arrived before the consumer stopped.
    await this.flush();
    await this.consumer.stop();
    await this.flush();
    await this.consumer.disconnect();
  }

  /** The error that stopped the job, if one did. */
  get error(): unknown {
    return this.failure;
  }

  private get maxMs(): number {
    return this.options.maxBatchMs ?? 1000;
  }

  private async onBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.highWatermarks.set(`${batch.topic}\u0000${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: BigInt(batch.highWatermark) });
    if (!this.committedNext.has(`${batch.topic}\u0000${batch.partition}`) && !batch.isEmpty())
      this.committedNext.set(`${batch.topic}\u0000${batch.partition}`, BigInt(batch.firstOffset() ?? batch.highWatermark));
    this.reportLag();
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) break;
      this.add(batch.topic, batch.partition, message);
      resolveOffset(message.offset);
      if (this.buffer.records.length >= (this.options.maxBatchRecords ?? 10_000)) {
        // One commit in flight while the next batch is consumed: wait for the one before
        // this one, not for this one, so Kafka and DuckDB work overlap.
        const previous = this.flushing;
        this.flush().catch(() => undefined);
        await previous;
        await heartbeat();
      }
    }
  }

  private add(topic: string, partition: number, message: KafkaMessage): void {
    if (this.buffer.records.length === 0) this.buffer.since = Date.now();
    this.buffer.bytes += message.value?.length ?? 0;
    const record = {
      source: { kind: 'kafka' as const, topic, partition, offset: message.offset },
      position: { appId: kafkaAppId(topic, partition), version: Number(message.offset) },
    };
    // A value that is not UTF-8 is quarantined with its bytes (INVALID_UTF8), never decoded with replacement characters.
    this.buffer.records.push(
      message.value === null
        ? { ...record, payload: this.withMetadata('null', message) }
        : recordFromBytes(message.value, record, (value) => this.withMetadata(value, message)),
    );
    this.buffer.next.set(`${topic}\u0000${partition}`, { topic, partition, offset: String(BigInt(message.offset) + 1n) });
  }

  /** Add key and headers as fields of a JSON object value, when asked to. */
  private withMetadata(value: string, message: KafkaMessage): string {
    const { keyColumn, headersColumn } = this.options;
    if (keyColumn === undefined && headersColumn === undefined) return value;
    const trimmed = value.trimStart();
    if (!trimmed.startsWith('{')) return value;
    const extra: Record<string, unknown> = {};
    if (keyColumn !== undefined) extra[keyColumn] = message.key === null ? null : message.key.toString('utf8');
    if (headersColumn !== undefined) {
      const headers: Record<string, string> = {};
      for (const [name, header] of Object.entries(message.headers ?? {}))
        if (header !== undefined) headers[name] = Buffer.isBuffer(header) ? header.toString('utf8') : String(header);
      extra[headersColumn] = headers;
    }
    const fields = JSON.stringify(extra).slice(1, -1);
    const rest = trimmed.slice(1).trimStart();
    return rest.startsWith('}') ? `{${fields}${rest}` : `{${fields},${rest}`;
  }

  /** Commits run one at a time; whatever was buffered when a commit starts goes into it. */
  private flush(): Promise<void> {
    const next = this.flushing.then(() => this.commitBuffer());
    // A failed commit is recorded by commitBuffer (the job stops); later flushes must not rethrow it forever.
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private async commitBuffer(): Promise<void> {
    // After a failed commit the job stops; the table's positions tell the next run where to resume.
    if (this.buffer.records.length === 0 || this.failure !== undefined) return;
    const { records, bytes, next } = this.buffer;
    this.buffer = { records: [], bytes: 0, next: new Map(), since: 0 };
    try {
      const started = performance.now();
      const result = await this.writeAsRun(records);
      this.metrics.recordBatch(records.length, bytes, (performance.now() - started) / 1000, result);
      for (const [key, { offset }] of next) this.committedNext.set(key, BigInt(offset));
      this.reportLag();
      await this.commitGroupOffsets([...next.values()]);
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  /** Each known partition's messages not yet in the table: its high watermark less the next offset the table needs. */
  private reportLag(): void {
    if (this.options.onLag === undefined) return;
    for (const [key, { topic, partition, offset }] of this.highWatermarks) {
      const next = this.committedNext.get(key);
      if (next === undefined) continue;
      this.options.onLag({ source: 'kafka', topic, partition, messages: Number(offset > next ? offset - next : 0n) });
    }
  }

  /**
   * Group offsets are a hint for monitoring tools; the table's positions are the truth.
   * A failure here (a rebalance, the consumer stopping) loses nothing, so it is logged.
   */
  private async commitGroupOffsets(offsets: { topic: string; partition: number; offset: string }[]): Promise<void> {
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (error) {
      log.warn({ err: error, offsets }, 'could not commit consumer-group offsets (a hint only; the table holds the positions)');
    }
  }

  /**
   * One committed micro-batch is one job run: its input is each topic with, per partition,
   * the first and last offset the batch held (its outputs, the table and quarantine versions,
   * come from the table layer). Nothing is built while nobody observes runs.
   */
  private writeAsRun(records: RawRecord[]): Promise<BatchResult> {
    const topic = typeof this.options.topic === 'string' ? this.options.topic : this.options.topic.source;
    const job = () => ({
      name: `ingest.kafka.${topic}.${tableNameOf(this.target.location)}`,
      type: 'INGEST',
      processing: 'STREAMING' as const,
      ...(this.target.project === undefined ? {} : { project: this.target.project }),
    });
    return observedRun(job, async (run) => {
      const result = await this.writeWithRetry(records);
      if (run !== undefined && !result.skipped) for (const input of this.topicInputs(records, result.positionsBefore)) run.input(input);
      return result;
    });
  }

  /** The batch's topics with offset ranges per partition, leaving out records the table already held (`before`: its positions then). */
  private topicInputs(records: readonly RawRecord[], before: ReadonlyMap<string, number> | undefined): DatasetRef[] {
    const ranges = new Map<string, Map<number, { from: bigint; to: bigint }>>();
    const counts = new Map<string, number>();
    for (const { source } of records) {
      if (source.kind !== 'kafka') continue;
      if (Number(source.offset) <= (before?.get(kafkaAppId(source.topic, source.partition)) ?? -1)) continue;
      counts.set(source.topic, (counts.get(source.topic) ?? 0) + 1);
      const partitions = ranges.get(source.topic) ?? new Map<number, { from: bigint; to: bigint }>();
      ranges.set(source.topic, partitions);
      const offset = BigInt(source.offset);
      const known = partitions.get(source.partition);
      if (known === undefined) partitions.set(source.partition, { from: offset, to: offset });
      else partitions.set(source.partition, { from: offset < known.from ? offset : known.from, to: offset > known.to ? offset : known.to });
    }
    const namespace = `kafka://${this.options.brokers[0] ?? 'localhost:9092'}`;
    return [...ranges.entries()].map(([topic, partitions]) => ({
      namespace,
      name: topic,
      kind: 'kafka' as const,
      ranges: [...partitions.entries()]
        .sort(([a], [b]) => a - b)
        .map(([partition, r]) => ({ partition: String(partition), from: String(r.from), to: String(r.to) })),
      statistics: { rowCount: counts.get(topic) ?? 0 },
    }));
  }

  /** Another writer of the same partitions (a zombie after a rebalance) may win a commit; the retry re-reads positions. */
  private async writeWithRetry(records: RawRecord[]) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.target.writeJson(records, []);
      } catch (error) {
        if ((error as { code?: string }).code !== 'COMMIT_CONFLICT' || attempt >= 5) throw error;
      }
    }
  }

  /**
   * After a rebalance, the partitions no longer assigned are forgotten: their lag is the new
   * owner's to report, and a gauge left at its last value would say this job lags forever.
   */
  private forgetRevoked(assignment: Record<string, number[]>): void {
    const assigned = new Set(Object.entries(assignment).flatMap(([topic, partitions]) => partitions.map((p) => `${topic}\u0000${p}`)));
    for (const [key, { topic, partition }] of this.highWatermarks) {
      if (assigned.has(key)) continue;
      this.highWatermarks.delete(key);
      this.committedNext.delete(key);
      this.options.onLagRemoved?.({ source: 'kafka', topic, partition });
    }
  }

  private async seekToTablePositions(assignment: Record<string, number[]>): Promise<void> {
    const positions = await this.target.positions('aquifer.kafka:');
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const done = positions.get(kafkaAppId(topic, partition));
        if (done !== undefined) this.consumer.seek({ topic, partition, offset: String(done + 1) });
      }
    }
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    log.error({ err: error, message: describeError(error) }, 'kafka ingest job failed');
  }
}
