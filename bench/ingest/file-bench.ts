import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { quoteLiteral, type Engine } from '../../src/engine/index.js';
import { ingestFiles, IngestTarget } from '../../src/ingest/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { benchCache, log } from '../table/measure.js';
import { rounds, runsFrom } from './rounds.js';

export const FILE_ROWS = 10_000_000;
/** Timed runs per contender (BENCH_FILE_RUNS; at least 3): each moves about 1.2 GB of CSV. */
export const FILE_RUNS = runsFrom('BENCH_FILE_RUNS', 5);

export interface FileFigures {
  rows: number;
  columns: number;
  csvBytes: number;
  aquiferMs: number;
  rawMs: number;
  /** The same raw COPY into a folder, rolling files at 128 MiB as Aquifer's writer does. */
  rawFolderMs: number;
  /** Fastest and slowest timed run of each contender. */
  spread: Record<'aquifer' | 'raw' | 'rawFolder', [number, number]>;
  /** Parquet bytes written by each, for context. */
  aquiferBytes: number;
  rawBytes: number;
}

/** Eleven columns of the kinds an event log has: ids, categories, money, counts, times, flags, text. */
export function rowsSql(rows: number): string {
  return `SELECT i AS event_id,
    CAST(hash(i) % 1000000 AS BIGINT) AS user_id,
    (['view', 'click', 'add_to_cart', 'purchase', 'refund'])[1 + CAST(i % 5 AS INTEGER)] AS event_type,
    (['NL', 'DE', 'FR', 'US', 'GB', 'ES', 'IT', 'PL'])[1 + CAST(hash(i * 3) % 8 AS INTEGER)] AS country,
    CAST(hash(i * 7) % 100000 AS DOUBLE) / 100 AS amount,
    CAST(1 + hash(i * 11) % 5 AS INTEGER) AS quantity,
    TIMESTAMP '2024-01-01 00:00:00' + to_seconds(i * 3) AS ts,
    DATE '2024-01-01' + CAST(i * 3 // 86400 AS INTEGER) AS day,
    hash(i * 13) % 3 = 0 AS is_mobile,
    substr(md5(i::VARCHAR), 1, 16) AS session_id,
    'Mozilla/5.0 (' || (['Windows NT 10.0', 'Macintosh', 'X11; Linux x86_64', 'iPhone'])[1 + CAST(hash(i * 17) % 4 AS INTEGER)] || ')' AS user_agent
  FROM range(${rows}) AS t(i)`;
}

/** The CSV, generated once by DuckDB and reused. */
async function ensureCsv(engine: Engine): Promise<string> {
  const file = path.join(benchCache(), 'ingest-10m.csv');
  const marker = `${file}.complete`;
  const spec = JSON.stringify({ FILE_ROWS, layout: 1 });
  if ((await readFile(marker, 'utf8').catch(() => '')) === spec) return file;
  log(`writing ${FILE_ROWS.toLocaleString('en-US')} rows of CSV to ${file}`);
  await mkdir(path.dirname(file), { recursive: true });
  await engine.run(`COPY (${rowsSql(FILE_ROWS)}) TO ${quoteLiteral(file)} (FORMAT csv, HEADER true)`);
  await writeFile(marker, spec);
  return file;
}

const spreadOf = (samples: readonly number[] = []): [number, number] => [Math.min(...samples), Math.max(...samples)];

async function parquetBytes(engine: Engine, glob: string): Promise<number> {
  let total = 0;
  for (const row of await engine.query(`SELECT file FROM glob(${quoteLiteral(glob)})`)) total += (await stat(String(row['file']))).size;
  return total;
}

/**
 * `ingestFiles` of the CSV into a fresh table (schema inferred, one commit) against raw
 * DuckDB `COPY (SELECT * FROM read_csv(file)) TO 'x.parquet'`, on the same engine.
 */
export async function fileBench(engine: Engine): Promise<FileFigures> {
  const csv = await ensureCsv(engine);
  const work = path.join(benchCache(), 'ingest-work');
  const table = path.join(work, 'events');
  const parquet = path.join(work, 'raw.parquet');
  const folder = path.join(work, 'raw-folder');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  try {
    log(`files: ingestFiles vs raw COPY, ${FILE_RUNS} runs after a warm-up`);
    const times = await rounds<number>(
      {
        aquifer: {
          prepare: () => rm(table, { recursive: true, force: true }),
          run: async () => {
            const target = await IngestTarget.open(table, { engine, createIfMissing: {} });
            const result = await ingestFiles(engine, target, { files: csv });
            if (result.quarantined !== 0) throw new Error(`${result.quarantined} rows were quarantined`);
            return result.accepted;
          },
        },
        raw: {
          prepare: () => rm(parquet, { force: true }),
          run: async () =>
            Number(
              (await engine.query(`COPY (SELECT * FROM read_csv(${quoteLiteral(csv)})) TO ${quoteLiteral(parquet)} (FORMAT parquet)`))[0]?.['Count'] ?? NaN,
            ),
        },
        rawFolder: {
          prepare: () => rm(folder, { recursive: true, force: true }),
          run: async () =>
            Number(
              (
                await engine.query(
                  `COPY (SELECT * FROM read_csv(${quoteLiteral(csv)})) TO ${quoteLiteral(folder)} (FORMAT parquet, FILE_SIZE_BYTES ${128 * 2 ** 20})`,
                )
              )[0]?.['Count'] ?? NaN,
            ),
        },
      },
      FILE_RUNS,
    );
    for (const [name, value] of Object.entries(times)) log(`files: ${name} ${value.samples.map((ms) => (ms / 1000).toFixed(2)).join(' ')} s`);
    // Both must have moved every row, and the table must hold them.
    const aquiferRows = times['aquifer']?.results ?? [];
    const rawRows = [...(times['raw']?.results ?? []), ...(times['rawFolder']?.results ?? [])];
    const inTable = await (await (await DeltaTable.open(table, { engine })).scan()).count();
    const inParquet = Number((await engine.query(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(parquet)})`))[0]?.['n']);
    if (![...aquiferRows, inTable, inParquet].every((n) => n === FILE_ROWS) || rawRows.some((n) => !Number.isNaN(n) && n !== FILE_ROWS)) {
      throw new Error(`row counts disagree: aquifer ${aquiferRows.join(',')}, table ${inTable}, raw ${rawRows.join(',')}, parquet ${inParquet}`);
    }
    const columns = (await (await DeltaTable.open(table, { engine })).snapshot()).schema.fields.length;
    return {
      rows: FILE_ROWS,
      columns,
      csvBytes: (await stat(csv)).size,
      aquiferMs: times['aquifer']?.ms ?? NaN,
      rawMs: times['raw']?.ms ?? NaN,
      rawFolderMs: times['rawFolder']?.ms ?? NaN,
      spread: { aquifer: spreadOf(times['aquifer']?.samples), raw: spreadOf(times['raw']?.samples), rawFolder: spreadOf(times['rawFolder']?.samples) },
      aquiferBytes: await parquetBytes(engine, path.join(table, '*.parquet')),
      rawBytes: (await stat(parquet)).size,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
