import { performance } from 'node:perf_hooks';
import type { Engine } from '../../src/engine/index.js';
import type { IngestTarget } from '../../src/ingest/index.js';

/**
 * Where a KafkaIngestJob's write time goes, measured from outside src/: the engine's
 * methods and the target's writeJson are wrapped on their instances (nothing is edited),
 * and each DuckDB call is put in a bucket by what its SQL does. The job commits one batch
 * at a time, so the wrapped calls never overlap and their times add up.
 */
export interface WriteProfile {
  batches: number;
  /** Wall time inside IngestTarget.writeJson; `buckets` splits it (engine calls by SQL, storage calls), the rest is JS. */
  writeMs: number;
  buckets: Map<string, number>;
}

const BUCKETS: { name: string; test: (sql: string) => boolean }[] = [
  { name: 'JSON checks + typing (CREATE TEMP TABLE … AS checks)', test: (sql) => /^CREATE TEMP TABLE .* AS SELECT aq_seq/s.test(sql) },
  { name: 'Parquet write (COPY … TO, FORMAT parquet)', test: (sql) => /^COPY \(SELECT/.test(sql) && sql.includes('FORMAT parquet') },
  {
    name: 'batch counts / positions (SELECT count, max(aq_pos), max(aq_at))',
    test: (sql) => /^SELECT (count\(\*\) AS n|aq_app, max\(aq_pos\)|aq_dom, aq_key, max)/.test(sql),
  },
  { name: 'drop temp tables', test: (sql) => sql.startsWith('DROP TABLE') },
];
export const STAGING = 'staging: DuckDB appender, 8 values a record (createTempTable)';
export const OTHER_ENGINE = 'other DuckDB (snapshot refresh, log/checkpoint reads, schema)';
export const COMMIT = 'Delta commit: put _delta_log/N.json (write, fsync, link)';
export const STORE = 'other storage: list/read the log, move data files, staging dirs';
export const OTHER = 'other JS: redelivery filter, appender rows, source JSON, stats, snapshot replay';

/**
 * `rewriteChecks`, when given, replaces the job's checks statement on its way to DuckDB:
 * how the benchmark measures a prototype of a change to src/ without making it there.
 */
export function profileWrites(engine: Engine, target: IngestTarget, rewriteChecks?: (sql: string) => string): WriteProfile {
  const profile: WriteProfile = { batches: 0, writeMs: 0, buckets: new Map() };
  const add = (bucket: string, ms: number) => profile.buckets.set(bucket, (profile.buckets.get(bucket) ?? 0) + ms);
  let depth = 0;
  let inWrite = false;

  // Engine.query calls Engine.read and createTempTable calls Engine.run: only the outermost call counts.
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>, bucketOf: (...args: A) => string) =>
    async (...args: A): Promise<R> => {
      if (depth > 0 || !inWrite) return fn(...args);
      depth++;
      const start = performance.now();
      try {
        return await fn(...args);
      } finally {
        depth--;
        add(bucketOf(...args), performance.now() - start);
      }
    };
  const classify = (sql: string) => BUCKETS.find((b) => b.test(sql.trimStart()))?.name ?? OTHER_ENGINE;
  const e = engine as unknown as Record<string, unknown>;
  const run = engine.run.bind(engine);
  const isChecks = (BUCKETS[0] as (typeof BUCKETS)[number]).test;
  e['run'] = wrap((sql: string) => run(rewriteChecks !== undefined && isChecks(sql.trimStart()) ? rewriteChecks(sql) : sql), classify);
  e['query'] = wrap(engine.query.bind(engine), classify);
  e['read'] = wrap(engine.read.bind(engine), classify);
  e['queryJson'] = wrap(engine.queryJson.bind(engine), classify);
  e['createTempTable'] = wrap(engine.createTempTable.bind(engine), (..._args: Parameters<Engine['createTempTable']>) => STAGING);

  const store = target.table.store as unknown as Record<string, unknown>;
  for (const method of ['put', 'list', 'get', 'head', 'publishLocal', 'stagingDir', 'discardStaging', 'delete']) {
    const fn = store[method] as ((...args: unknown[]) => Promise<unknown>) | undefined;
    if (typeof fn !== 'function') continue;
    store[method] = wrap(fn.bind(target.table.store), (key: unknown) => (method === 'put' && String(key).startsWith('_delta_log/') ? COMMIT : STORE));
  }

  const writeJson = target.writeJson.bind(target);
  (target as unknown as Record<string, unknown>)['writeJson'] = async (...args: Parameters<IngestTarget['writeJson']>) => {
    inWrite = true;
    const start = performance.now();
    // The rows handed to createTempTable are built (records.map, JSON.stringify) before the call: that JS lands in OTHER.
    try {
      return await writeJson(...args);
    } finally {
      inWrite = false;
      profile.writeMs += performance.now() - start;
      profile.batches++;
    }
  };
  return profile;
}

/** The buckets in a fixed order, with `other` = write time not spent in a wrapped engine call. */
export function profileRows(profile: WriteProfile): { name: string; ms: number }[] {
  const names = [STAGING, ...BUCKETS.map((b) => b.name), OTHER_ENGINE, COMMIT, STORE];
  const rows = names.map((name) => ({ name, ms: profile.buckets.get(name) ?? 0 }));
  const inEngine = rows.reduce((sum, r) => sum + r.ms, 0);
  rows.push({ name: OTHER, ms: Math.max(0, profile.writeMs - inEngine) });
  return rows;
}
