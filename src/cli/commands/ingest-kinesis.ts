import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { IngestTarget, KinesisIngestJob } from '../../ingest/index.js';
import { choice, collect, collectProperty, parseList, parseNonNegativeInt } from '../options.js';
import { parseRule } from '../rules.js';
import { jobMetrics, metricsOptions, type MetricsFlags } from '../job-metrics-endpoint.js';
import { runUntilStopped } from '../until-stopped.js';
import { commandProjectRoot, gateWarningLines, tableGate, tableStores } from '../table-location.js';

interface KinesisFlags extends MetricsFlags {
  stream: string;
  region: string;
  endpoint?: string;
  maxBatchRecords: number;
  maxBatchMs: number;
  partitionBy?: string[];
  property: Record<string, string>;
  rule: string[];
  format: 'text' | 'json';
}

export function registerIngestKinesis(ingest: Command): void {
  metricsOptions(
    ingest
      .command('kinesis')
      .description(
        'Ingest an AWS Kinesis stream into a Delta table until stopped, exactly once: shard sequence numbers are committed with the records. AWS credentials come from the usual AWS environment.',
      )
      .argument('<table>', 'table root (created from the first batch when missing)')
      .requiredOption('--stream <name>', 'stream to read')
      .option('--region <region>', 'AWS region', process.env['AWS_REGION'] ?? 'us-east-1')
      .option('--endpoint <url>', 'endpoint override (kinesalite, LocalStack)')
      .option('--max-batch-records <n>', 'commit after this many records', parseNonNegativeInt, 10_000)
      .option('--max-batch-ms <ms>', 'or after the oldest buffered record waited this long', parseNonNegativeInt, 1000)
      .option('--partition-by <a,b>', 'partition columns when the table is created', parseList)
      .option('--property <key=value>', 'table property when the table is created; repeatable', collectProperty, {})
      .option('--rule <name=sql>', 'a SQL condition every record must meet; repeatable', collect, [])
      .option('--format <format>', 'text or json (one line per committed batch)', choice(['text', 'json'] as const), 'text'),
  ).action(async (table: string, flags: KinesisFlags) => {
    const target = await IngestTarget.open(table, {
      stores: tableStores(),
      project: await commandProjectRoot(),
      gate: await tableGate(table),
      engine: await sharedEngine(),
      createIfMissing: { ...(flags.partitionBy === undefined ? {} : { partitionColumns: flags.partitionBy }), properties: flags.property },
      checks: { rules: flags.rule.map(parseRule) },
    });
    const metrics = await jobMetrics(flags, table);
    const job = new KinesisIngestJob(target, {
      stream: flags.stream,
      region: flags.region,
      ...(flags.endpoint === undefined ? {} : { endpoint: flags.endpoint }),
      maxBatchRecords: flags.maxBatchRecords,
      maxBatchMs: flags.maxBatchMs,
      onLag: (lag) => metrics.onLag(lag),
      onLagRemoved: (key) => metrics.onLagRemoved(key),
      onBatch: (batch) => {
        metrics.onBatch(batch);
        process.stdout.write(
          flags.format === 'json'
            ? `${JSON.stringify(batch)}\n`
            : [`committed version ${batch.version}: ${batch.accepted} rows, ${batch.quarantined} quarantined`, ...gateWarningLines(batch.warnings ?? [])]
                .map((line) => `${line}\n`)
                .join(''),
        );
      },
    });
    try {
      await job.start();
      await runUntilStopped(job);
    } finally {
      await metrics.close();
    }
    process.stderr.write(`stopped: ${job.metrics.batches} batches, ${job.metrics.accepted} rows, ${job.metrics.quarantined} quarantined\n`);
  });
}
