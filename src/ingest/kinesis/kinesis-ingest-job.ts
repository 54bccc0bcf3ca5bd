import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, type KinesisClientConfig, type Shard } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { log } from '../../log.js';
import type { IngestTarget } from '../ingest-target.js';
import type { DatasetRef } from '../../observe/index.js';
import { observedRun, tableNameOf } from '../job-runs.js';
import { JobMetrics, type BatchReport, type SourceLag, type SourceLagKey } from '../job-metrics.js';
import type { RawRecord } from '../source-position.js';
import { recordFromBytes } from '../sources/utf8-record.js';

export interface KinesisIngestOptions {
  stream: string;
  region?: string;
  /** Endpoint override, e.g. a kinesalite or LocalStack URL. */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxBatchRecords?: number;
  maxBatchMs?: number;
  /** Wait between polls of a shard that returned nothing. */
  idleMs?: number;
  onBatch?: (batch: BatchReport) => void;
  /** Told of a shard's `MillisBehindLatest` after each read of it. */
  onLag?: (lag: SourceLag) => void;
  /** Told when a shard is closed (split or merged) and read to its end: it has no lag any more. */
  onLagRemoved?: (shard: SourceLagKey) => void;
}

/**
 * Positions of a stream's shards in a table: domain metadata `aquifer.kinesis:<stream>`
 * mapping shard id → last sequence number written (they have up to 56 digits, more
 * than a txn version holds).
 */
export function kinesisDomain(stream: string): string {
  return `aquifer.kinesis:${stream}`;
}

interface ShardReader {
  shardId: string;
  iterator: string | undefined;
  closed: boolean;
  /** The last sequence number read (buffered or committed), to resume after when an iterator expires. */
  lastSequence?: string;
}

/**
 * Ingest a Kinesis stream into one table, exactly once: sequence numbers are committed
 * with the records, and each shard resumes after the table's position for it. One job
 * reads all shards of the stream (new shards from splits are picked up as they appear).
 */
export class KinesisIngestJob {
  readonly metrics: JobMetrics;
  private readonly client: KinesisClient;
  private readonly shards = new Map<string, ShardReader>();
  private running = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;
  /** The data bytes of the records read since the last commit. */
  private bufferedBytes = 0;

  constructor(
    private readonly target: IngestTarget,
    private readonly options: KinesisIngestOptions,
  ) {
    this.metrics = new JobMetrics('kinesis', target.location, options.onBatch);
    // The SDK's default HTTP/2 handler does not work against kinesalite; HTTP/1.1 works everywhere.
    const config: KinesisClientConfig = { region: options.region ?? 'us-east-1', requestHandler: new NodeHttpHandler() };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.credentials !== undefined) config.credentials = options.credentials;
    this.client = new KinesisClient(config);
  }

  get error(): unknown {
    return this.failure;
  }

  async start(): Promise<void> {
    this.running = true;
    await this.discoverShards();
    this.loop = this.run().catch((error: unknown) => {
      this.failure = error;
      log.error({ err: error }, 'kinesis ingest job failed');
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.client.destroy();
  }

  private async discoverShards(): Promise<void> {
    const shards: Shard[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListShardsCommand(token === undefined ? { StreamName: this.options.stream } : { NextToken: token }));
      shards.push(...(page.Shards ?? []));
      token = page.NextToken;
    } while (token !== undefined);
    const positions = await this.positions();
    for (const shard of shards) {
      const shardId = shard.ShardId;
      if (shardId === undefined || this.shards.has(shardId)) continue;
      this.shards.set(shardId, { shardId, iterator: await this.iteratorAfter(shardId, positions.get(shardId)), closed: false });
    }
  }

  private async positions(): Promise<Map<string, string>> {
    const snapshot = await this.target.snapshot();
    const config = snapshot?.domains.get(kinesisDomain(this.options.stream))?.configuration;
    return new Map(Object.entries(config === undefined || config === '' ? {} : (JSON.parse(config) as Record<string, string>)));
  }

  private async iteratorAfter(shardId: string, sequence: string | undefined): Promise<string | undefined> {
    const result = await this.client.send(
      new GetShardIteratorCommand(
        sequence === undefined
          ? { StreamName: this.options.stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }
          : { StreamName: this.options.stream, ShardId: shardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: sequence },
      ),
    );
    return result.ShardIterator;
  }

  private async run(): Promise<void> {
    let buffer: RawRecord[] = [];
    let since = 0;
    let lastDiscovery = Date.now();
    const maxRecords = this.options.maxBatchRecords ?? 10_000;
    const maxMs = this.options.maxBatchMs ?? 1000;
    while (this.running) {
      let received = 0;
      for (const reader of this.shards.values()) {
        if (reader.closed || reader.iterator === undefined) continue;
        const page = await this.getRecords(reader);
        for (const record of page) {
          if (buffer.length === 0) since = Date.now();
          buffer.push(record);
        }
        received += page.length;
      }
      if (buffer.length > 0 && (buffer.length >= maxRecords || Date.now() - since >= maxMs)) {
        await this.commit(buffer);
        buffer = [];
      }
      if (Date.now() - lastDiscovery > 10_000) {
        await this.discoverShards();
        lastDiscovery = Date.now();
      }
      if (received === 0) await new Promise((resolve) => setTimeout(resolve, this.options.idleMs ?? 200));
    }
    if (buffer.length > 0) await this.commit(buffer);
  }

  private async getRecords(reader: ShardReader): Promise<RawRecord[]> {
    try {
      const result = await this.client.send(new GetRecordsCommand({ ShardIterator: reader.iterator, Limit: 10_000 }));
      reader.iterator = result.NextShardIterator;
      if (reader.iterator === undefined) {
        // A closed shard read to its end: its children carry the stream on, and its last lag must not linger as a series.
        reader.closed = true;
        this.options.onLagRemoved?.({ source: 'kinesis', stream: this.options.stream, shard: reader.shardId });
      } else if (result.MillisBehindLatest !== undefined)
        this.options.onLag?.({ source: 'kinesis', stream: this.options.stream, shard: reader.shardId, millisBehindLatest: result.MillisBehindLatest });
      const domain = kinesisDomain(this.options.stream);
      return (result.Records ?? []).map((record) => {
        const sequence = record.SequenceNumber ?? '0';
        reader.lastSequence = sequence;
        this.bufferedBytes += record.Data?.length ?? 0;
        // Data that is not UTF-8 is quarantined with its bytes (INVALID_UTF8), never decoded with replacement characters.
        return recordFromBytes(record.Data ?? new Uint8Array(), {
          source: { kind: 'kinesis', stream: this.options.stream, shard: reader.shardId, sequenceNumber: sequence },
          position: { domain, key: reader.shardId, sequence },
        });
      });
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (name === 'ProvisionedThroughputExceededException' || name === 'LimitExceededException') return [];
      if (name === 'ExpiredIteratorException') {
        reader.iterator = await this.iteratorAfter(reader.shardId, reader.lastSequence ?? (await this.positions()).get(reader.shardId));
        return [];
      }
      throw error;
    }
  }

  /**
   * One committed batch is one job run: its input is the stream with, per shard, the first
   * and last sequence number the batch held (outputs come from the table layer). Nothing is
   * built while nobody observes runs.
   */
  private async commit(records: RawRecord[]): Promise<void> {
    const job = () => ({
      name: `ingest.kinesis.${this.options.stream}.${tableNameOf(this.target.location)}`,
      type: 'INGEST',
      processing: 'STREAMING' as const,
      ...(this.target.project === undefined ? {} : { project: this.target.project }),
    });
    const started = performance.now();
    const result = await observedRun(job, async (run) => {
      const written = await this.target.writeJson(records, []);
      if (run !== undefined && !written.skipped) run.input(this.streamInput(records));
      return written;
    });
    const bytes = this.bufferedBytes;
    this.bufferedBytes = 0;
    this.metrics.recordBatch(records.length, bytes, (performance.now() - started) / 1000, result);
  }

  private streamInput(records: readonly RawRecord[]): DatasetRef {
    const shards = new Map<string, { from: bigint; to: bigint }>();
    for (const { source } of records) {
      if (source.kind !== 'kinesis') continue;
      const sequence = BigInt(source.sequenceNumber);
      const known = shards.get(source.shard);
      if (known === undefined) shards.set(source.shard, { from: sequence, to: sequence });
      else shards.set(source.shard, { from: sequence < known.from ? sequence : known.from, to: sequence > known.to ? sequence : known.to });
    }
    return {
      namespace: `kinesis://${this.options.region ?? 'us-east-1'}`,
      name: this.options.stream,
      kind: 'kinesis',
      ranges: [...shards.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([partition, r]) => ({ partition, from: String(r.from), to: String(r.to) })),
      statistics: { rowCount: records.length },
    };
  }
}
