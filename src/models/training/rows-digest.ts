import type { Engine } from '../../engine/index.js';

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
