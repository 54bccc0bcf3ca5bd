import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Engine, quoteIdent, quoteLiteral } from '../../src/engine/index.js';
import { IngestTarget, jsonRecordChecks, kafkaAppId, type RawRecord } from '../../src/ingest/index.js';
import { toDuckDBType, type StructType } from '../../src/table/index.js';
import { log, median } from '../table/measure.js';
import { eventRecord } from './kafka-records.js';

/**
 * Offline experiments (no broker) behind the suggestions in the Kafka benchmark's report:
 * what one 50,000-record batch of the benchmark's records costs in each step of
 * IngestTarget.writeJson, and what cheaper variants of the two largest steps would cost.
 * The variants are prototypes here in bench/, not changes to src/: each must give exactly
 * the rows the current code gives (checked on a batch with bad records mixed in) before it
 * is timed.
 */
export const BATCH = 50_000;
const RUNS = 5;

export interface ExperimentRow {
  name: string;
  ms: number;
}

export interface ExperimentFigures {
  batch: number;
  rows: ExperimentRow[];
  /** Rows with a quarantine reason in the mixed batch, equal between current and one-pass checks. */
  badRows: number;
}

/** The benchmark's records, as KafkaIngestJob hands them to writeJson; every 97th is broken when `mixed`. */
function records(count: number, mixed: boolean): RawRecord[] {
  const out: RawRecord[] = [];
  const now = Date.now();
  for (let seq = 0; seq < count; seq++) {
    let payload = eventRecord('throughput', seq, now).value;
    if (mixed && seq % 97 === 5) {
      const kind = ((seq / 97) % 8) | 0;
      const event = JSON.parse(payload) as Record<string, unknown>;
      if (kind === 0) payload = `not json ${seq}`;
      else if (kind === 1) payload = `[${seq}]`;
      else if (kind === 2) payload = JSON.stringify({ ...event, amount: 'lots' });
      else if (kind === 3) payload = JSON.stringify({ ...event, extra_field: 1 });
      else if (kind === 4) payload = JSON.stringify({ ...event, is_logged_in: 3 });
      else if (kind === 5) payload = JSON.stringify({ ...event, event_time: 'yesterday' });
      else if (kind === 6) payload = JSON.stringify({ ...event, quantity: null, user_id: undefined });
      else payload = ` \n${JSON.stringify({ ...event, seq: `${seq}` })}`;
    }
    const partition = seq % 3;
    out.push({
      payload,
      source: { kind: 'kafka', topic: 'bench-throughput', partition, offset: String(seq) },
      position: { appId: kafkaAppId('bench-throughput', partition), version: seq },
    });
  }
  return out;
}

/** The current staging, as IngestTarget.writeJson does it (redelivery filter, then the appender). */
async function stage(engine: Engine, name: string, batch: readonly RawRecord[]): Promise<void> {
  const seen = new Set<string>();
  const records = batch.filter((r) => {
    const key = JSON.stringify(r.source);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  await engine.createTempTable(
    name,
    [
      { name: 'aq_seq', type: 'BIGINT' },
      { name: 'aq_raw', type: 'VARCHAR' },
      { name: 'aq_source', type: 'VARCHAR' },
      { name: 'aq_app', type: 'VARCHAR' },
      { name: 'aq_pos', type: 'BIGINT' },
      { name: 'aq_dom', type: 'VARCHAR' },
      { name: 'aq_key', type: 'VARCHAR' },
      { name: 'aq_at', type: 'VARCHAR' },
    ],
    records.map((r, i) => {
      const p = r.position as { appId: string; version: number };
      return [i, r.payload, JSON.stringify(r.source), p.appId, p.version, null, null, null];
    }),
  );
}

/**
 * Staging only what varies per record, the payload and the partition and offset (the
 * batch has no redeliveries unless a rebalance seeked back: a SQL DISTINCT ON would
 * cover that); the source JSON and the app id are derived in SQL.
 */
async function stageLean(engine: Engine, name: string, batch: readonly RawRecord[]): Promise<void> {
  const raw = `${name}_raw`;
  await engine.createTempTable(
    raw,
    [
      { name: 'aq_raw', type: 'VARCHAR' },
      { name: 'aq_part', type: 'BIGINT' },
      { name: 'aq_pos', type: 'BIGINT' },
    ],
    batch.map((r) => {
      const source = r.source as { partition: number; offset: string };
      return [r.payload, source.partition, source.offset];
    }),
  );
  const topic = quoteLiteral('bench-throughput');
  await engine.run(
    `CREATE TEMP TABLE ${quoteIdent(name)} AS SELECT row_number() OVER () - 1 AS aq_seq, aq_raw,
       '{"kind":"kafka","topic":' || to_json(${topic}::VARCHAR) || ',"partition":' || aq_part || ',"offset":"' || aq_pos || '"}' AS aq_source,
       'aquifer.kafka:' || ${topic} || ':' || aq_part AS aq_app, aq_pos,
       NULL::VARCHAR AS aq_dom, NULL::VARCHAR AS aq_key, NULL::VARCHAR AS aq_at FROM ${quoteIdent(raw)}`,
  );
  await engine.run(`DROP TABLE ${quoteIdent(raw)}`);
}

/** Replace the first match; `to` gets the match's groups (a function, so `$` in it is never a pattern). */
function replaceOnce(sql: string, from: string | RegExp, to: (...groups: string[]) => string): string {
  // The replacer gets (match, ...groups, offset, whole string): keep the groups.
  const out = sql.replace(from, (...args: unknown[]) => to(...(args.slice(1, -2) as string[])));
  if (out === sql) throw new Error(`the checks SQL has changed: ${String(from)} not found; update kafka-experiments.ts`);
  return out;
}

/**
 * jsonRecordChecks SQL rewritten so every record is parsed three times instead of about
 * twenty: the fields come from one `json_extract(doc, [paths])` (a list) instead of one
 * json_extract per field, the keys from one `json_keys` kept in a column (the current SQL
 * computes it in two CASEs), the object test is "valid JSON starting with `{`" instead of
 * json_type, and the payload is not cast to JSON (the cast parses it once more). Typing,
 * reasons and messages are the current SQL, unchanged. Works on the SQL text, so the
 * benchmark can also apply it to the job's own statements (see kafka-profile.ts).
 */
export function onePassRewrite(checksSql: string): string {
  const fields = [...checksSql.matchAll(/json_extract\(aq_json, ('(?:[^']|'')*')\) AS aq_ex_(\d+)/g)].map((m) => ({
    path: m[1] as string,
    index: Number(m[2]),
  }));
  // The checks in src/ parse each record once per list of paths already: nothing to rewrite.
  if (fields.length === 0) return checksSql;
  const perField = fields.map((f) => `json_extract(aq_json, ${f.path}) AS aq_ex_${f.index}`).join(', ');
  const listed = fields.map((f, i) => `aq_exs[${i + 1}] AS aq_ex_${f.index}`).join(', ');
  let sql = checksSql.replaceAll('json_keys(aq_json)', 'aq_keys');
  sql = replaceOnce(
    sql,
    /CASE WHEN json_valid\(aq_raw\) THEN CASE WHEN json_type\(aq_raw\) = 'OBJECT' THEN aq_raw::JSON END END AS aq_json FROM ("[^"]*"|[A-Za-z_][A-Za-z0-9_]*)\)/,
    (stage) =>
      `CASE WHEN json_valid(aq_raw) THEN CASE WHEN starts_with(ltrim(aq_raw, ' ' || chr(9) || chr(10) || chr(13)), '{') THEN aq_raw END END AS aq_json FROM ${stage}))`,
  );
  sql = replaceOnce(
    sql,
    `SELECT *, ${perField} FROM (`,
    () =>
      `SELECT * EXCLUDE (aq_exs), ${listed} FROM (SELECT *, json_extract(aq_json, [${fields.map((f) => f.path).join(', ')}]) AS aq_exs, json_keys(aq_json) AS aq_keys FROM (`,
  );
  return sql;
}

export function onePassChecks(stageTable: string, schema: StructType): string {
  return onePassRewrite(jsonRecordChecks(stageTable, schema, {}));
}

/** The same records written to a JSON-lines file and read by DuckDB with the table's columns: the floor for JSON → typed rows. */
function readJsonSql(file: string, schema: StructType): string {
  const columns = schema.fields.map((f) => `${quoteLiteral(f.name)}: ${quoteLiteral(toDuckDBType(f.type))}`).join(', ');
  return `SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = {${columns}})`;
}

async function time(work: () => Promise<unknown>, cleanup: () => Promise<unknown>): Promise<number> {
  const samples: number[] = [];
  for (let run = -1; run < RUNS; run++) {
    const start = performance.now();
    await work();
    if (run >= 0) samples.push(performance.now() - start);
    await cleanup();
  }
  return median(samples);
}

export async function kafkaExperiments(): Promise<ExperimentFigures> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'aquifer-kafka-exp-'));
  const engine = await Engine.create();
  try {
    const good = records(BATCH, false);
    const mixed = records(BATCH, true);
    // The table's schema, inferred from the records as the job does on its first batch.
    const target = await IngestTarget.open(path.join(dir, 't'), { engine, createIfMissing: {} });
    await target.writeJson(good.slice(0, 10_000), []);
    const snapshot = await target.snapshot();
    if (snapshot === undefined) throw new Error('the experiment table was not created');
    const schema = snapshot.schema;
    const drop = (...names: string[]) => Promise.all(names.map((n) => engine.run(`DROP TABLE IF EXISTS ${quoteIdent(n)}`)));

    // The variant must agree with the current checks, row for row, good and bad records alike.
    await stage(engine, 'mix', mixed);
    await engine.run(`CREATE TEMP TABLE cur AS ${jsonRecordChecks('mix', schema, {})}`);
    await engine.run(`CREATE TEMP TABLE alt AS ${onePassChecks('mix', schema)}`);
    const [diff] = await engine.query(
      `SELECT (SELECT count(*) FROM (FROM cur EXCEPT ALL FROM alt)) + (SELECT count(*) FROM (FROM alt EXCEPT ALL FROM cur)) AS d, (SELECT count(*) FROM cur WHERE aq_reason IS NOT NULL) AS bad`,
    );
    if (Number(diff?.['d']) !== 0) throw new Error(`one-pass checks differ from the current ones in ${String(diff?.['d'])} rows`);
    const badRows = Number(diff?.['bad']);
    await stageLean(engine, 'lean', mixed);
    const [leanDiff] = await engine.query(`SELECT count(*) AS d FROM (FROM mix EXCEPT ALL FROM lean)`);
    if (Number(leanDiff?.['d']) !== 0) throw new Error(`lean staging differs from the current one in ${String(leanDiff?.['d'])} rows`);
    await drop('mix', 'cur', 'alt', 'lean');

    log(`experiments: ${BATCH.toLocaleString('en-US')}-record batch, median of ${RUNS} runs after one warm-up`);
    const rows: ExperimentRow[] = [];
    rows.push({
      name: 'staging now: redelivery filter (JSON.stringify(source) into a Set) + createTempTable, 8 columns (source JSON again)',
      ms: await time(
        () => stage(engine, 's', good),
        () => drop('s'),
      ),
    });
    rows.push({
      name: 'staging lean: createTempTable of payload + partition + offset, the rest in SQL',
      ms: await time(
        () => stageLean(engine, 's', good),
        () => drop('s'),
      ),
    });
    await stage(engine, 'g', good);
    rows.push({
      name: 'checks now: jsonRecordChecks (about 20 parses of each record)',
      ms: await time(
        () => engine.run(`CREATE TEMP TABLE c AS ${jsonRecordChecks('g', schema, {})}`),
        () => drop('c'),
      ),
    });
    rows.push({
      name: 'checks one-pass: same SQL, fields by one json_extract(doc, [paths]), keys once (3 parses)',
      ms: await time(
        () => engine.run(`CREATE TEMP TABLE c AS ${onePassChecks('g', schema)}`),
        () => drop('c'),
      ),
    });
    const single = `$."${schema.fields[0]?.name ?? 'event_id'}"`;
    rows.push({
      name: 'for scale: one parse of each record (count(json_extract(aq_raw, one path)))',
      ms: await time(
        () => engine.query(`SELECT count(json_extract(aq_raw, ${quoteLiteral(single)})) FROM g`),
        async () => undefined,
      ),
    });
    rows.push({
      name: 'for scale: JSON.parse of each record in JS',
      ms: await time(
        async () => good.forEach((r) => JSON.parse(r.payload) as unknown),
        async () => undefined,
      ),
    });
    const file = path.join(dir, 'batch.jsonl');
    await writeFile(file, good.map((r) => r.payload).join('\n') + '\n');
    rows.push({
      name: 'floor: DuckDB read_json(JSON lines, the table columns) into a temp table, no checks',
      ms: await time(
        () => engine.run(`CREATE TEMP TABLE c AS ${readJsonSql(file, schema)}`),
        () => drop('c'),
      ),
    });
    const out = path.join(dir, 'out');
    rows.push({
      name: 'floor: the same, COPY to Parquet (snappy)',
      ms: await time(
        () =>
          engine.query(
            `COPY (${readJsonSql(file, schema)}) TO ${quoteLiteral(out)} (FORMAT parquet, COMPRESSION snappy, FILENAME_PATTERN 'part-{uuid}', APPEND true)`,
          ),
        () => rm(out, { recursive: true, force: true }),
      ),
    });
    await drop('g');
    return { batch: BATCH, rows, badRows };
  } finally {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  }
}
