import { CliUsageError } from '../usage-error.js';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { IngestTarget, KafkaIngestJob } from '../../ingest/index.js';
import { choice, collect, collectProperty, parseList, parseNonNegativeInt } from '../options.js';
import { parseRule } from '../rules.js';
import { jobMetrics, metricsOptions, type MetricsFlags } from '../job-metrics-endpoint.js';
import { runUntilStopped } from '../until-stopped.js';
import { commandProjectRoot, gateWarningLines, tableGate, tableStores } from '../table-location.js';

interface KafkaFlags extends MetricsFlags {
  brokers: string[];
  topic?: string;
  topicPattern?: string;
  group: string;
  maxBatchRecords: number;
  maxBatchMs: number;
  keyColumn?: string;
  headersColumn?: string;
  partitionBy?: string[];
  property: Record<string, string>;
  rule: string[];
  unknownFields: 'quarantine' | 'ignore';
  sessionTimeoutMs?: number;
  format: 'text' | 'json';
}

export function registerIngestKafka(ingest: Command): void {
  metricsOptions(
    ingest
      .command('kafka')
      .description(
        'Ingest a Kafka topic (or topic pattern) into a Delta table until stopped (SIGINT/SIGTERM), exactly once: offsets are committed in the same Delta commit as the records.',
      )
      .argument('<table>', 'table root (created from the first batch when missing)')
      .requiredOption('--brokers <host:port,...>', 'bootstrap brokers', parseList)
      .option('--topic <name>', 'topic to read')
      .option('--topic-pattern <regex>', 'read every topic matching this pattern')
      .requiredOption('--group <id>', 'consumer group (its offsets are only a hint)')
      .option('--max-batch-records <n>', 'commit after this many records', parseNonNegativeInt, 10_000)
      .option('--max-batch-ms <ms>', 'or after the oldest buffered record waited this long', parseNonNegativeInt, 1000)
      .option('--key-column <name>', 'keep the message key in this column')
      .option('--headers-column <name>', 'keep the message headers in this column')
      .option('--partition-by <a,b>', 'partition columns when the table is created', parseList)
      .option('--property <key=value>', 'table property when the table is created; repeatable', collectProperty, {})
      .option('--rule <name=sql>', 'a SQL condition every record must meet; repeatable', collect, [])
      .option(
        '--unknown-fields <policy>',
        'quarantine (default) or ignore fields the table does not have',
        choice(['quarantine', 'ignore'] as const),
        'quarantine',
      )
      .option('--session-timeout-ms <ms>', 'consumer group session timeout', parseNonNegativeInt)
      .option('--format <format>', 'text or json (one line per committed batch)', choice(['text', 'json'] as const), 'text'),
  ).action(async (table: string, flags: KafkaFlags) => {
    const topic = flags.topicPattern !== undefined ? new RegExp(flags.topicPattern) : flags.topic;
    if (topic === undefined) throw new CliUsageError('Give --topic or --topic-pattern.', undefined, 'See --help.');
    const engine = await sharedEngine();
    const target = await IngestTarget.open(table, {
      stores: tableStores(),
      project: await commandProjectRoot(),
      gate: await tableGate(table),
      engine,
      createIfMissing: { ...(flags.partitionBy === undefined ? {} : { partitionColumns: flags.partitionBy }), properties: flags.property },
      checks: { rules: flags.rule.map(parseRule), unknownFields: flags.unknownFields },
    });
    const metrics = await jobMetrics(flags, table);
    const job = new KafkaIngestJob(target, {
      brokers: flags.brokers,
      topic,
      groupId: flags.group,
      maxBatchRecords: flags.maxBatchRecords,
      maxBatchMs: flags.maxBatchMs,
      ...(flags.keyColumn === undefined ? {} : { keyColumn: flags.keyColumn }),
      ...(flags.headersColumn === undefined ? {} : { headersColumn: flags.headersColumn }),
      ...(flags.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: flags.sessionTimeoutMs }),
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
