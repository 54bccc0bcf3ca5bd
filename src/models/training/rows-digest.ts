import { quoteLiteral, type Engine } from '../../engine/index.js';

/** What identifies a set of rows: how many, and a digest that ignores their order. */
export interface RowsDigest {
  rows: number;
  /** `md5:` and the MD5 of the rows' MD5s in sorted order, each row rendered as DuckDB renders a struct. */
  digest: string;
}

/**
 * The digest of the rows a query returns, whatever their order: two training sets with the
 * same rows have the same digest. MD5 is stable across DuckDB versions (its `hash` is not),
 * and it is a fingerprint here, not a defence against a forger.
 */
export async function rowsDigest(engine: Engine, sql: string): Promise<RowsDigest> {
  const [row] = await engine.query(
    `SELECT count(*) AS n, md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS d FROM (SELECT md5(CAST(aq_row AS VARCHAR)) AS h FROM (${sql}) aq_row)`,
  );
  return { rows: Number(row?.['n'] ?? 0), digest: `md5:${String(row?.['d'] ?? '')}` };
}

/**
 * Write the rows a query returns to one Parquet file and digest them from that file, so the
 * source (a training set on S3, say) is read once. Parquet keeps DuckDB's types, names and
 * values, so the digest is the one `rowsDigest` gives for the query itself.
 */
export async function copyWithDigest(engine: Engine, sql: string, file: string): Promise<RowsDigest> {
  await engine.run(`COPY (${sql}) TO ${quoteLiteral(file)} (FORMAT parquet)`);
  // No hive partitioning: a `key=value` folder in the path would otherwise add a column to every row.
  return rowsDigest(engine, `SELECT * FROM read_parquet(${quoteLiteral(file)}, hive_partitioning = false)`);
}
