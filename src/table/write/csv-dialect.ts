import { quoteLiteral } from '../../engine/index.js';

/** The delimiter a CSV file is read with: the one given, else a tab for `.tsv` (compressed too), else a comma. */
export function csvDelimiter(file: string, given: string | undefined): string {
  return given ?? (/\.tsv(\.gz|\.zst)?$/i.test(file) ? '\t' : ',');
}

/**
 * RFC 4180 CSV with a fixed delimiter, quote and escape, as `read_csv` options: no line is
 * parsed by DuckDB's guess (its sniffer, thrown off by one ragged line, reads a whole file
 * as a single column). Table writes and `ingest file` read CSV the same way.
 */
export function csvDialect(file: string, options: { delimiter?: string | undefined; header?: boolean | undefined } = {}): string[] {
  return [
    `header = ${options.header === false ? 'false' : 'true'}`,
    `delim = ${quoteLiteral(csvDelimiter(file, options.delimiter))}`,
    `quote = '"'`,
    `escape = '"'`,
  ];
}
