import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../../src/engine/index.js';
import { IngestTarget, KafkaIngestJob } from '../../src/ingest/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { log } from '../table/measure.js';
import { profileRows, profileWrites } from './kafka-profile.js';
import { createTopic, produceAll } from './kafka-records.js';
import type { ObserverConfig, ObserverResult } from './kafka-observer.js';
import type { PacedConfig, PacedResult } from './kafka-producer.js';
import type { JobSettings } from './kafka-throughput.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export const POLL_MS = 5;
const WARMUP_RECORDS = 2000;

export interface LatencyFigures {
  settings: JobSettings;
  rate: number;
  seconds: number;
  records: number;
  /** What the producer achieved. */
  producedRate: number;
  maxProducerLagMs: number;
  commits: number;
  rowsPerCommit: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Medians over records: produce → the start of the write of its batch, and that write's duration. */
  waitP50Ms: number;
  writeP50Ms: number;
  writeP99Ms: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

/** A child running a bench script with tsx; `lines` gets each JSON line it prints. */
function child<T>(script: string, config: unknown, onLine?: (value: Record<string, unknown>) => void): { process: ChildProcess; done: Promise<T> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(here, script), JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const done = new Promise<T>((resolve, reject) => {
    let buffered = '';
    let last: unknown;
    proc.stdout?.setEncoding('utf8');
    proc.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.trim() === '') continue;
        last = JSON.parse(line);
        onLine?.(last as Record<string, unknown>);
      }
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) reject(new Error(`${script} exited with ${code}`));
      else resolve(last as T);
    });
  });
  return { process: proc, done };
}

function stop(proc: ChildProcess): void {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
}

/**
 * Produce → visible latency: a KafkaIngestJob (in this process, as `aquifer ingest kafka`
 * runs it) ingests a fresh topic into a fresh table while a paced producer and a polling
 * reader run as their own processes. See kafka-observer.ts for what "visible" means.
 */
export async function latencyBench(
  bootstrap: string,
  root: string,
  name: string,
  rate: number,
  seconds: number,
  settings: JobSettings,
): Promise<LatencyFigures> {
  const topic = `bench-${name}`;
  const table = path.join(root, name);
  await createTopic(bootstrap, topic, 3);
  const engine = await Engine.create();
  const target = await IngestTarget.open(table, { engine, createIfMissing: {} });
  const profile = profileWrites(engine, target);
  const writes = new Map<number, { startMs: number; endMs: number }>();
  const writeJson = target.writeJson.bind(target);
  (target as unknown as Record<string, unknown>)['writeJson'] = async (...args: Parameters<IngestTarget['writeJson']>) => {
    const startMs = Date.now();
    const result = await writeJson(...args);
    writes.set(result.version, { startMs, endMs: Date.now() });
    return result;
  };
  const job = new KafkaIngestJob(target, { brokers: [bootstrap], topic, groupId: `bench-${name}`, clientId: 'bench-aquifer', ...settings });
  const children: ChildProcess[] = [];
  try {
    await job.start();
    // Warm-up: the group is joined and the table created (from these records' schema) before anything is measured.
    await produceAll(bootstrap, topic, 'warmup', WARMUP_RECORDS);
    while (job.metrics.accepted < WARMUP_RECORDS) {
      if (job.error !== undefined) throw job.error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const fromVersion = (job.metrics.lastVersion ?? 0) + 1;
    const records = Math.round(rate * seconds);
    log(
      `${name}: warm-up done at v${fromVersion - 1}; producing ${records.toLocaleString('en-US')} records at ${rate.toLocaleString('en-US')}/s for ${seconds} s`,
    );

    let ready: () => void = () => undefined;
    const isReady = new Promise<void>((resolve) => (ready = resolve));
    const observerConfig: ObserverConfig = { table, fromVersion, expected: records, run: 'latency', pollMs: POLL_MS, timeoutMs: (seconds + 120) * 1000 };
    const observer = child<ObserverResult>('kafka-observer.ts', observerConfig, (line) => {
      if (line['ready'] === true) ready();
    });
    children.push(observer.process);
    await Promise.race([isReady, observer.done]);
    const producerConfig: PacedConfig = { bootstrap, topic, run: 'latency', rate, seconds };
    const producer = child<PacedResult>('kafka-producer.ts', producerConfig);
    children.push(producer.process);
    const [produced, observed] = await Promise.all([producer.done, observer.done]);
    if (job.error !== undefined) throw job.error;

    // Every latency record is in the table exactly once.
    const scan = await (await DeltaTable.open(table, { engine })).scan();
    const [row] = await engine.query(`SELECT count(*) AS n, count(DISTINCT seq) AS d FROM (${await scan.sql()}) WHERE run = 'latency'`);
    if (Number(row?.['n']) !== records || Number(row?.['d']) !== records || produced.sent !== records) {
      throw new Error(
        `the table holds ${String(row?.['n'])} latency rows (${String(row?.['d'])} distinct), ${produced.sent} were produced, ${records} expected`,
      );
    }

    const latencies: number[] = [];
    const waits: number[] = [];
    const writeTimes: number[] = [];
    for (const v of observed.versions) {
      const write = writes.get(v.version);
      for (const p of v.produced) {
        latencies.push(v.visibleMs - p);
        if (write !== undefined) {
          waits.push(write.startMs - p);
          writeTimes.push(write.endMs - write.startMs);
        }
      }
    }
    if (latencies.length !== records) throw new Error(`the reader saw ${latencies.length} latency rows, ${records} were produced`);
    if (process.env['BENCH_KAFKA_TIMELINE'] === '1') {
      const t0 = observed.versions[0]?.visibleMs ?? 0;
      for (const v of observed.versions) {
        const write = writes.get(v.version);
        const oldest = Math.min(...v.produced);
        log(
          `  v${v.version} at +${v.visibleMs - t0} ms: ${v.produced.length} rows, write ${write === undefined ? '?' : write.endMs - write.startMs} ms, oldest row waited ${write === undefined ? '?' : write.startMs - oldest} ms before the write, visible ${v.visibleMs - oldest} ms after it was produced`,
        );
      }
    }
    if (process.env['BENCH_KAFKA_TIMELINE'] === '1') {
      for (const r of profileRows(profile)) log(`  ${r.name}: ${r.ms.toFixed(0)} ms (${(r.ms / profile.batches).toFixed(1)} per write)`);
    }
    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const [all, wait, write] = [sorted(latencies), sorted(waits), sorted(writeTimes)];
    const commits = observed.versions.filter((v) => v.produced.length > 0).length;
    log(`${name}: ${commits} commits seen; the reader found at most ${observed.maxVersionsPerPoll} commit(s) per poll`);
    return {
      settings,
      rate,
      seconds,
      records,
      producedRate: (produced.sent / produced.elapsedMs) * 1000,
      maxProducerLagMs: produced.maxLagMs,
      commits,
      rowsPerCommit: records / commits,
      p50Ms: percentile(all, 0.5),
      p90Ms: percentile(all, 0.9),
      p99Ms: percentile(all, 0.99),
      maxMs: all[all.length - 1] ?? NaN,
      waitP50Ms: percentile(wait, 0.5),
      writeP50Ms: percentile(write, 0.5),
      writeP99Ms: percentile(write, 0.99),
    };
  } finally {
    for (const proc of children) stop(proc);
    await job.stop().catch(() => undefined);
    engine.close();
  }
}
