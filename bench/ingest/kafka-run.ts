import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Engine } from '../../src/engine/index.js';
import { kafkaAvailable, startKafka, type KafkaService } from '../../test/support/services.js';
import { log, median } from '../table/measure.js';
import { profileRows } from './kafka-profile.js';
import { kafkaExperiments, onePassRewrite, type ExperimentFigures } from './kafka-experiments.js';
import { latencyBench, POLL_MS, type LatencyFigures } from './kafka-latency.js';
import { createTopic, produceAll, RECORD_BYTES } from './kafka-records.js';
import { aquiferIngest, rawConsume, type ConsumeResult, type IngestResult, type JobSettings } from './kafka-throughput.js';

/*
 * The Kafka → Delta benchmark (`npm run bench:kafka`, or `tsx bench/ingest/kafka-run.ts
 * [throughput] [latency] [experiments]`; all three when none is named). It starts its own
 * Kafka broker (scripts/kafka.sh through test/support/services.ts) and stops it at the end,
 * also on failure or Ctrl-C.
 *
 *   throughput   N records produced first, then read whole by raw kafkajs and by KafkaIngestJob
 *                (kafka-throughput.ts), with where the job's time goes (kafka-profile.ts)
 *   latency      paced production while the job runs, produce → visible (kafka-latency.ts,
 *                kafka-producer.ts, kafka-observer.ts)
 *   experiments  one batch through the write steps and cheaper variants, no broker (kafka-experiments.ts)
 *
 * Knobs: BENCH_KAFKA_RECORDS (500000), BENCH_KAFKA_ROUNDS (3), BENCH_KAFKA_BATCHES
 * ('50000:1000,250000:10000', maxBatchRecords:maxBatchMs), BENCH_KAFKA_ONE_PASS (0 skips the
 * prototype runs), BENCH_KAFKA_LATENCY_SECONDS (25), BENCH_KAFKA_LATENCY_BATCH_MS (100),
 * BENCH_KAFKA_LATENCY_FRACTIONS ('0.5,0.25' of the measured Aquifer rate), BENCH_KAFKA_RATE
 * (the rate those fractions apply to; needed for latency alone), BENCH_KAFKA_TIMELINE=1
 * (per-commit lines and a write profile for each latency run, on stderr).
 */
const asked = process.argv.slice(2);
const wants = (name: string) => asked.length === 0 || asked.includes(name);
const envNumber = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const RECORDS = envNumber('BENCH_KAFKA_RECORDS', 500_000);
const ROUNDS = Math.max(1, envNumber('BENCH_KAFKA_ROUNDS', 3));
const PARTITIONS = 3;
/**
 * Aquifer runs once per contender in each round: BENCH_KAFKA_BATCHES lists maxBatchRecords[:maxBatchMs]
 * settings. The first is the headline. The second is a batch large enough (over DuckDB's
 * 122,880-row row group) for DuckDB to use both cores on it, with a maxBatchMs long enough
 * that batches are cut by count, not by time. BENCH_KAFKA_ONE_PASS=1 runs each setting again
 * through the old checks-rewriting prototype (now part of src/, so it changes nothing).
 */
interface Contender {
  settings: JobSettings;
  /** The checks SQL rewritten by onePassRewrite on its way to DuckDB: a prototype of a change to src/. */
  onePass: boolean;
}
const THROUGHPUT: Contender[] = (process.env['BENCH_KAFKA_BATCHES'] ?? '50000:1000,250000:10000').split(',').map((spec) => {
  const [records, batchMs] = spec.split(':');
  return { settings: { maxBatchRecords: Number(records), maxBatchMs: Number(batchMs ?? 1000) }, onePass: false };
});
if (process.env['BENCH_KAFKA_ONE_PASS'] === '1') {
  for (const c of [...THROUGHPUT]) THROUGHPUT.push({ settings: c.settings, onePass: true });
}
const HEADLINE = (THROUGHPUT[0] as Contender).settings;
const LATENCY: JobSettings = { maxBatchRecords: HEADLINE.maxBatchRecords, maxBatchMs: envNumber('BENCH_KAFKA_LATENCY_BATCH_MS', 100) };
const LATENCY_SECONDS = envNumber('BENCH_KAFKA_LATENCY_SECONDS', 25);
const LATENCY_FRACTIONS = (process.env['BENCH_KAFKA_LATENCY_FRACTIONS'] ?? '0.5,0.25').split(',').map(Number);

const KAFKAJS = (JSON.parse(readFileSync(createRequire(import.meta.url).resolve('kafkajs/package.json'), 'utf8')) as { version: string }).version;

const count = (value: number) => Math.round(value).toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const ms = (value: number) => `${value >= 100 ? value.toFixed(0) : value.toFixed(1)} ms`;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface ThroughputFigures {
  records: number;
  bytes: number;
  raw: ConsumeResult[];
  /** One entry per THROUGHPUT contender, in that order. */
  aquifer: (Contender & { runs: IngestResult[] })[];
}

const rateOf = (records: number, runs: readonly ConsumeResult[]) => median(runs.map((r) => (records / r.ms) * 1000));
const settingName = (s: JobSettings) => `maxBatchRecords ${count(s.maxBatchRecords)}, maxBatchMs ${s.maxBatchMs}`;
const contenderName = (c: Contender) => `${settingName(c.settings)}${c.onePass ? '; one-pass checks prototype' : ''}`;

function throughputReport(f: ThroughputFigures): string {
  const rawRate = rateOf(f.records, f.raw);
  const mibPerS = (rate: number) => ((rate * f.bytes) / f.records / 2 ** 20).toFixed(1);
  const perRun = (runs: readonly ConsumeResult[]) => runs.map((r) => count((f.records / r.ms) * 1000)).join(', ');
  const row = (name: string, runs: readonly ConsumeResult[]) => {
    const rate = rateOf(f.records, runs);
    return [
      name,
      seconds(median(runs.map((r) => r.ms))),
      count(rate),
      mibPerS(rate),
      (rate / rawRate).toFixed(2),
      ms(median(runs.map((r) => r.joinMs))),
      perRun(runs),
    ];
  };
  return [
    `Throughput: ${count(f.records)} JSON records of ${RECORD_BYTES} bytes (${(f.bytes / 2 ** 20).toFixed(0)} MiB) in ${PARTITIONS} partitions, produced before timing; ` +
      `median of ${ROUNDS} rounds (in each round raw, then Aquifer per setting, each with a new consumer group reading from the beginning; Aquifer into a new table)`,
    '',
    table(
      ['contender', 'time', 'records/s', 'MiB/s', 'Aquifer / raw', 'group join (in time)', 'records/s per round'],
      [
        row('raw kafkajs, eachBatch only counts', f.raw),
        ...f.aquifer.map((a) => row(`Aquifer KafkaIngestJob → new Delta table (${contenderName(a)}; ${median(a.runs.map((r) => r.batches))} commits)`, a.runs)),
      ],
    ),
    '',
    `Aquifer / raw records/s with ${settingName(HEADLINE)}: ${(rateOf(f.records, f.aquifer[0]?.runs ?? []) / rawRate).toFixed(2)} (goal ≥ 0.80). ` +
      `Every Aquifer table held exactly ${count(f.records)} rows, seq 0..${count(f.records - 1)}, none quarantined.`,
  ].join('\n');
}

/** Where each Aquifer setting's wall time went, from its median round. */
function profileReport(f: ThroughputFigures): string {
  const rawMs = median(f.raw.map((r) => r.ms));
  const picked = f.aquifer.map((a) => {
    const sorted = [...a.runs].sort((x, y) => x.ms - y.ms);
    return sorted[Math.floor(sorted.length / 2)] as IngestResult;
  });
  const cells = (value: (run: IngestResult) => number, perWrite: boolean) =>
    picked.flatMap((run) => [`${seconds(value(run))} (${((value(run) / run.ms) * 100).toFixed(0)}%)`, perWrite ? ms(value(run) / run.profile.batches) : '']);
  const names = profileRows((picked[0] as IngestResult).profile).map((r) => r.name);
  const bucket = (name: string) => (run: IngestResult) => profileRows(run.profile).find((r) => r.name === name)?.ms ?? 0;
  return [
    `Where the Aquifer time goes (median round of each setting; engine and storage calls wrapped from outside src/; % of that run's wall time)`,
    '',
    table(
      ['part', ...f.aquifer.flatMap((a) => [`batch ${count(a.settings.maxBatchRecords)}${a.onePass ? ', one-pass' : ''}: time`, 'per write'])],
      [
        ['wall, start → all rows committed', ...picked.flatMap((run) => [seconds(run.ms), `${run.profile.batches} writes`])],
        ['IngestTarget.writeJson (the consumer waits: eachBatch awaits the flush)', ...cells((run) => run.profile.writeMs, true)],
        ...names.map((name) => [`  ${name}`, ...cells(bucket(name), true)]),
        ['outside writeJson: kafkajs fetch + decode, group join, RawRecords', ...cells((run) => run.ms - run.profile.writeMs, false)],
        ['(for scale: raw kafkajs reading the whole topic)', ...picked.flatMap(() => [seconds(rawMs), ''])],
      ],
    ),
  ].join('\n');
}

function latencyReport(runs: readonly { fraction: number; figures: LatencyFigures }[], baseRate: number): string {
  const first = runs[0]?.figures;
  if (first === undefined) return '';
  return [
    `Latency: a paced producer (its own process) sends ${first.seconds} s of records, each stamped with produced_ms; KafkaIngestJob maxBatchMs ${first.settings.maxBatchMs}, ` +
      `maxBatchRecords ${count(first.settings.maxBatchRecords)}; a reader (its own process) polls _delta_log every ${POLL_MS} ms. ` +
      `Rates are fractions of ${count(baseRate)} records/s (the Aquifer throughput above with ${settingName(HEADLINE)}, or BENCH_KAFKA_RATE)`,
    '',
    table(
      ['rate (achieved)', 'records', 'commits (rows each)', 'p50', 'p90', 'p99', 'max', 'produce → write begins (p50)', 'write (p50 / p99)'],
      runs.map(({ fraction, figures: f }) => [
        `${fraction} × = ${count(f.rate)}/s (${count(f.producedRate)}/s)`,
        count(f.records),
        `${f.commits} (${count(f.rowsPerCommit)})`,
        ms(f.p50Ms),
        ms(f.p90Ms),
        ms(f.p99Ms),
        ms(f.maxMs),
        ms(f.waitP50Ms),
        `${ms(f.writeP50Ms)} / ${ms(f.writeP99Ms)}`,
      ]),
    ),
    '',
    'Latency is visible time − produced_ms per record. "write" is IngestTarget.writeJson (checks, Parquet, Delta commit) of the record\'s batch; ' +
      '"produce → write begins" is the time in Kafka, in the consumer and in the buffer (maxBatchMs, or waiting for the previous commit to finish).',
  ].join('\n');
}

function experimentsReport(f: ExperimentFigures): string {
  return [
    `Experiments: one ${count(f.batch)}-record batch of the same records, no broker; median of 5 runs after a warm-up. ` +
      `The variants are prototypes in bench/ingest/kafka-experiments.ts, checked to give exactly the current code's rows on a batch with ${f.badRows} bad records mixed in`,
    '',
    table(
      ['step', 'time per batch', 'µs per record'],
      f.rows.map((r) => [r.name, ms(r.ms), ((r.ms * 1000) / f.batch).toFixed(1)]),
    ),
  ].join('\n');
}

async function throughputBench(bootstrap: string, root: string): Promise<ThroughputFigures> {
  const topic = 'bench-throughput';
  await createTopic(bootstrap, topic, PARTITIONS);
  log(`producing ${count(RECORDS)} records to ${topic} (${PARTITIONS} partitions)`);
  let reported = 0;
  const { bytes } = await produceAll(bootstrap, topic, 'throughput', RECORDS, (sent) => {
    if (sent - reported >= 100_000) {
      reported = sent;
      log(`  produced ${count(sent)}`);
    }
  });
  const figures: ThroughputFigures = { records: RECORDS, bytes, raw: [], aquifer: THROUGHPUT.map((c) => ({ ...c, runs: [] })) };
  // Warm-up (not timed): JIT and page cache, for every contender alike.
  await rawConsume(bootstrap, topic, 'bench-warmup', RECORDS);
  for (let round = 0; round < ROUNDS; round++) {
    const raw = await rawConsume(bootstrap, topic, `bench-raw-${round}`, RECORDS);
    log(`round ${round + 1}: raw kafkajs ${seconds(raw.ms)} (${count((RECORDS / raw.ms) * 1000)}/s)`);
    figures.raw.push(raw);
    for (const [index, contender] of figures.aquifer.entries()) {
      // Each Aquifer run has its own engine, as a job process would.
      const engine = await Engine.create();
      const location = path.join(root, `throughput-${round}-${index}`);
      try {
        const rewrite = contender.onePass ? onePassRewrite : undefined;
        const aquifer = await aquiferIngest(engine, bootstrap, topic, `bench-aquifer-${round}-${index}`, location, RECORDS, contender.settings, rewrite);
        log(
          `round ${round + 1}: Aquifer (${contenderName(contender)}) ${seconds(aquifer.ms)} (${count((RECORDS / aquifer.ms) * 1000)}/s) in ${aquifer.batches} commits; table verified`,
        );
        contender.runs.push(aquifer);
      } finally {
        engine.close();
        await rm(location, { recursive: true, force: true });
        await rm(`${location}__quarantine`, { recursive: true, force: true });
      }
    }
  }
  return figures;
}

const needsKafka = wants('throughput') || wants('latency');
if (wants('latency') && !wants('throughput') && Number.isNaN(envNumber('BENCH_KAFKA_RATE', NaN)))
  throw new Error('latency alone needs BENCH_KAFKA_RATE (records/s)');
if (needsKafka && !(await kafkaAvailable()))
  throw new Error('Kafka cannot run here (see above): the Kafka benchmark needs java and `bash scripts/kafka.sh install`');
const root = await mkdtemp(path.join(os.tmpdir(), 'aquifer-bench-kafka-'));
let kafka: KafkaService | undefined;
// Ctrl-C: stop the broker before leaving (the script's watchdog is the backstop).
const interrupted = (signal: NodeJS.Signals) => {
  void (async () => {
    await kafka?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    process.kill(process.pid, signal);
  })();
};
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);
try {
  if (needsKafka) {
    log('starting Kafka');
    kafka = await startKafka();
  }
  const load = os.loadavg()[0] ?? 0;
  if (load > 0.5) log(`warning: the 1-minute load average is ${load.toFixed(2)}: other processes are using the CPU, and the figures will show it`);
  const engine = await Engine.create();
  const duckdb = String((await engine.query('SELECT version() AS v'))[0]?.['v']);
  engine.close();
  console.log(
    `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; DuckDB ${duckdb}; ` +
      `Apache Kafka 3.9.1 (single KRaft broker on loopback, same machine); kafkajs ${KAFKAJS}; 1-minute load average at the start ${load.toFixed(2)}\n`,
  );
  let rate = envNumber('BENCH_KAFKA_RATE', NaN);
  if (wants('throughput')) {
    const figures = await throughputBench((kafka as KafkaService).bootstrap, root);
    console.log(throughputReport(figures) + '\n');
    console.log(profileReport(figures) + '\n');
    if (Number.isNaN(rate)) rate = Math.round(rateOf(figures.records, figures.aquifer[0]?.runs ?? []));
  }
  if (wants('latency')) {
    if (Number.isNaN(rate)) throw new Error('latency alone needs BENCH_KAFKA_RATE (records/s)');
    const runs: { fraction: number; figures: LatencyFigures }[] = [];
    for (const fraction of LATENCY_FRACTIONS) {
      runs.push({
        fraction,
        figures: await latencyBench((kafka as KafkaService).bootstrap, root, `latency-${runs.length}`, Math.round(rate * fraction), LATENCY_SECONDS, LATENCY),
      });
    }
    console.log(latencyReport(runs, rate) + '\n');
  }
  if (wants('experiments')) console.log(experimentsReport(await kafkaExperiments()) + '\n');
} finally {
  if (kafka !== undefined) {
    log('stopping Kafka');
    await kafka.stop();
  }
  await rm(root, { recursive: true, force: true });
}
