import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBTypeId } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import { primitive, type StructType } from '../table/index.js';
import { IngestError } from './errors.js';
import { inferredDeltaType, withoutTimeOfDay } from './inferred-type.js';

/** Records a first batch's schema is inferred from: enough to see every field, few enough to stay fast. */
const SAMPLE = 10_000;

/**
 * A string with a time of day and an offset (`Z`, `+02`, `+02:00`, `-0530`): an instant,
 * so its column is `timestamp`, not `timestamp_ntz`.
 */
const WITH_OFFSET = String.raw`[0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?\s*([zZ]|[+-][0-9]{2}(:?[0-9]{2})?)$`;

/** Objects that can shape a table: valid JSON objects whose keys are all distinct (a repeated key is quarantined). */
const objectsOf = (stage: string) =>
  `SELECT aq_raw FROM ${quoteIdent(stage)} WHERE CASE WHEN json_valid(aq_raw) THEN json_type(aq_raw) = 'OBJECT' AND len(json_keys(aq_raw)) = len(list_distinct(json_keys(aq_raw))) ELSE false END LIMIT ${SAMPLE}`;

/**
 * The schema of a new table from a first batch of staged JSON records (`aq_raw`), as
 * DuckDB infers it, with three corrections so that no value changes on the way in:
 * every key is a column (DuckDB would make an object of more than 200 keys one map
 * column), strings with an offset give `timestamp` (DuckDB's `timestamp_ntz` would drop
 * it), and a time of day gives a string. An empty key is refused: DuckDB would rename it.
 */
export async function inferJsonSchema(engine: Engine, stage: string, tempName: string): Promise<StructType> {
  const empty = await engine.query(`SELECT aq_raw FROM (${objectsOf(stage)}) WHERE list_contains(json_keys(aq_raw), '') LIMIT 1`);
  if (empty.length > 0) {
    throw new IngestError(
      'INGEST_SCHEMA_UNINFERABLE',
      'A record of the first batch has an empty key, which cannot name a column',
      String(empty[0]?.['aq_raw']).slice(0, 200),
      'Give every field a non-empty name, or create the table with a schema first.',
    );
  }
  const file = path.join(os.tmpdir(), `${tempName}.jsonl`);
  try {
    await engine.run(`COPY (${objectsOf(stage)}) TO ${quoteLiteral(file)} (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\u0001')`);
    const reader = await engine.read(`SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', map_inference_threshold = -1) LIMIT 0`);
    const names = reader.columnNames();
    const types = reader.columnTypes().map(withoutTimeOfDay);
    const offsets = await timestampsWithOffset(
      engine,
      stage,
      names.filter((_, i) => types[i]?.typeId === DuckDBTypeId.TIMESTAMP),
    );
    return {
      kind: 'struct',
      fields: names.map((name, i) => ({
        name,
        type: offsets.has(name) ? primitive('timestamp') : inferredDeltaType(types[i]!, name),
        nullable: true,
        metadata: {},
      })),
    };
  } finally {
    await fs.rm(file, { force: true });
  }
}

/** Of the columns DuckDB typed as timestamps without a zone, those where a value of the batch carries an offset. */
async function timestampsWithOffset(engine: Engine, stage: string, columns: readonly string[]): Promise<Set<string>> {
  if (columns.length === 0) return new Set();
  const pointer = (name: string) => quoteLiteral(`/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`);
  const counts = columns.map((name, i) => `count_if(regexp_matches(json_extract_string(aq_raw, ${pointer(name)}), ${quoteLiteral(WITH_OFFSET)})) AS c${i}`);
  const row = (await engine.query(`SELECT ${counts.join(', ')} FROM (${objectsOf(stage)})`))[0] ?? {};
  return new Set(columns.filter((_, i) => Number(row[`c${i}`] ?? 0) > 0));
}
