import { createRequire } from 'node:module';
import { TextDecoder } from 'node:util';

/**
 * @duckdb/node-api (1.5.5 and 1.5.6) decodes every VARCHAR with a default `TextDecoder`, which drops a
 * leading U+FEFF (byte order mark): a value '\uFEFFx' came back as 'x', and so did partition
 * values and string statistics DuckDB reports for written files (a max cut that way can
 * wrongly skip a file). Its accessors read the shared decoder from their module's exports
 * at each call, so swapping in one that keeps the mark fixes every read. Done once, here,
 * because every query goes through the engine.
 */
const accessors = createRequire(import.meta.url)('@duckdb/node-api/lib/vectors/dataAccessors.js') as { textDecoder?: TextDecoder };
if (accessors.textDecoder !== undefined && !accessors.textDecoder.ignoreBOM) {
  accessors.textDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
}
