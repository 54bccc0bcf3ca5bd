import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineQueryError, quoteIdent, quoteLiteral, quoteLiteralList, type Engine } from '../../engine/index.js';
import { WriteInvalidError } from '../errors.js';
import { csvDelimiter, csvDialect } from './csv-dialect.js';
import { checkRowKeys, toDuckDBType, type StructType } from '../schema/index.js';

export type FileFormat = 'csv' | 'json' | 'parquet';

/** Where rows to write come from. */
export type WriteSource =
  /** Any DuckDB query. */
  | { sql: string }
  /** Files (paths or globs) in CSV, JSON lines or Parquet; the format defaults from the extension. */
  | { files: string | readonly string[]; format?: FileFormat; csv?: { delimiter?: string; header?: boolean } }
  /** Rows held in memory, for small writes. */
  | { rows: readonly Record<string, unknown>[] };

/** A source rendered as SQL, with any temporary files it needs removed by `dispose`. */
export interface PreparedSource {
  sql: string;
  /** The input's size in bytes, where it is files named without wildcards (or rows in memory). */
  bytes?: number;
  dispose(): Promise<void>;
}

export function formatOf(file: string, given: FileFormat | undefined): FileFormat {
  if (given !== undefined) return given;
  const lower = file.toLowerCase().replace(/\.(gz|zst)$/, '');
  if (lower.endsWith('.csv') || lower.endsWith('.tsv')) return 'csv';
  if (lower.endsWith('.parquet')) return 'parquet';
  if (lower.endsWith('.json') || lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'json';
  throw new WriteInvalidError(
    'WRITE_FORMAT_UNKNOWN',
    `Cannot tell the format of ${file} from its name`,
    file,
    'Pass the format (csv, json or parquet) explicitly.',
  );
}

/**
 * SQL for a source. Rows in memory go through a temporary JSON-lines file so DuckDB
 * types them; with a target schema they are read with exactly its types, and so are CSV
 * files when an engine is given to read their header (a CSV '02139' under a string column
 * stays '02139', not a re-inferred number).
 */
export async function prepareSource(source: WriteSource, schema?: StructType, engine?: Engine): Promise<PreparedSource> {
  if ('sql' in source) return { sql: `SELECT * FROM (${source.sql})`, dispose: async () => undefined };
  if ('files' in source) {
    const files = typeof source.files === 'string' ? [source.files] : [...source.files];
    if (files.length === 0) throw new WriteInvalidError('WRITE_SOURCE_EMPTY', 'No input files were given', files, 'Name at least one file or glob.');
    const format = formatOf(files[0] as string, source.format);
    const list = quoteLiteralList(files.map((f) => path.resolve(f)));
    const sized = async (sql: string): Promise<PreparedSource> => {
      const bytes = await filesSize(files);
      return { sql, ...(bytes === undefined ? {} : { bytes }), dispose: async () => undefined };
    };
    switch (format) {
      case 'csv': {
        // The fixed dialect `ingest file` reads, in strict mode and from the first line (left to
        // choose, DuckDB skips leading lines to make the rest look regular).
        const delimiter = csvDelimiter(files[0] as string, source.csv?.delimiter);
        const options = [...csvDialect(files[0] as string, { delimiter, header: source.csv?.header }), 'strict_mode = true', 'skip = 0'];
        if (engine !== undefined && source.csv?.header !== false) {
          const header = (await engine.read(`SELECT * FROM read_csv(${list}, ${options.join(', ')}, all_varchar = true) LIMIT 0`)).columnNames();
          // With the delimiter fixed, a file using another one reads as one column: refuse that rather than guess.
          const other =
            header.length === 1 && source.csv?.delimiter === undefined ? [';', '\t', '|'].find((d) => (header[0] as string).includes(d)) : undefined;
          if (other !== undefined) {
            throw new WriteInvalidError(
              'WRITE_SOURCE_MALFORMED',
              `The CSV header reads as one column, ${JSON.stringify(header[0])}: its fields seem separated by ${JSON.stringify(other)}, not ${JSON.stringify(delimiter)}`,
              files,
              'Pass the delimiter (--delimiter, or csv.delimiter).',
            );
          }
          const typed = schema === undefined ? [] : schema.fields.filter((f) => header.includes(f.name));
          if (typed.length > 0) options.push(`types = {${typed.map((f) => `${quoteLiteral(f.name)}: ${quoteLiteral(toDuckDBType(f.type))}`).join(', ')}}`);
        }
        return sized(`SELECT * FROM read_csv(${list}, ${options.join(', ')})`);
      }
      case 'json':
        return sized(`SELECT * FROM read_json(${list}, format = 'newline_delimited')`);
      case 'parquet':
        return sized(`SELECT * FROM read_parquet(${list}, union_by_name = true)`);
    }
  }
  checkRowKeys(source.rows);
  const file = path.join(os.tmpdir(), `aquifer-rows-${randomUUID()}.jsonl`);
  const text = source.rows.map((row) => JSON.stringify(row, jsonReplacer)).join('\n') + '\n';
  await fs.writeFile(file, text);
  const dispose = () => fs.rm(file, { force: true });
  const bytes = Buffer.byteLength(text);
  if (source.rows.length === 0 && schema !== undefined) {
    return { sql: `SELECT ${schema.fields.map((f) => `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ')} LIMIT 0`, bytes, dispose };
  }
  const present = new Set(source.rows.flatMap((row) => Object.keys(row)));
  const columns = schema?.fields.filter((f) => present.has(f.name)) ?? [];
  if (schema !== undefined && present.size > 0 && columns.length === present.size) {
    return {
      sql: `SELECT * FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited', columns = {${columns.map((f) => `${quoteLiteral(f.name)}: ${quoteLiteral(toDuckDBType(f.type))}`).join(', ')}})`,
      bytes,
      dispose,
    };
  }
  // Columns new to the table (schema evolution) are typed by DuckDB from the values;
  // the table's own columns keep the table's types, so a JSON number does not widen them.
  const replace =
    columns.length === 0
      ? ''
      : ` REPLACE (${columns.map((f) => `CAST(${quoteIdent(f.name)} AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`).join(', ')})`;
  return { sql: `SELECT *${replace} FROM read_json(${quoteLiteral(file)}, format = 'newline_delimited')`, bytes, dispose };
}

/**
 * A DuckDB failure to parse a CSV source as the typed error it is (malformed input, not an
 * engine fault); anything else is returned unchanged.
 */
export function sourceError(source: WriteSource, error: unknown): unknown {
  if (!(error instanceof EngineQueryError) || !('files' in source)) return error;
  const files = typeof source.files === 'string' ? [source.files] : [...source.files];
  if (files.length === 0 || formatOf(files[0] as string, source.format) !== 'csv') return error;
  if (!/CSV Error|sniffing file|Expected Number of Columns|Could not convert/i.test(error.message)) return error;
  return new WriteInvalidError(
    'WRITE_SOURCE_MALFORMED',
    `The CSV input cannot be read as a table: ${error.message.split('\n')[0] ?? ''}`,
    files,
    'Fix the malformed lines (every row needs as many fields as the header, with values of the column types), or load the file with `aquifer ingest file`, which quarantines bad lines.',
  );
}

/**
 * The total size of files named without wildcards; undefined for globs, URLs, files
 * compressed as a whole (their size says little of the rows') or files that cannot be
 * seen (DuckDB reports those).
 */
async function filesSize(files: readonly string[]): Promise<number | undefined> {
  if (files.some((f) => /[*?[{]/.test(f) || /^[a-z][a-z0-9+.-]*:\/\//i.test(f) || /\.(gz|zst)$/i.test(f))) return undefined;
  try {
    const sizes = await Promise.all(files.map(async (f) => (await fs.stat(f)).size));
    return sizes.reduce((a, b) => a + b, 0);
  } catch {
    return undefined;
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('latin1');
  return value;
}
