import { AquiferError } from '../errors.js';
import type { ColumnSource } from '../observe/index.js';
import { dedupe, LineageAnalyzer } from './column-lineage-analyzer.js';
import { cteNames, referenceKey, tableReferences, type LineageResolver, type LineageTable, type Node } from './column-lineage-tree.js';
import type { Engine } from './engine.js';
import { quoteLiteral } from './sql.js';

export type { LineageResolver, LineageTable, LineageTableReference } from './column-lineage-tree.js';

/** Which source columns feed each output column of a query, and which decide its rows. */
export interface SqlColumnLineage {
  /** Output column → its sources: DIRECT (IDENTITY, TRANSFORMATION, AGGREGATION) and per-column INDIRECT (CONDITIONAL, WINDOW, FILTER of an aggregate). */
  columns: Record<string, ColumnSource[]>;
  /** INDIRECT sources deciding the whole output: FILTER (WHERE, HAVING, QUALIFY), JOIN, GROUP_BY, SORT. */
  dataset: ColumnSource[];
}

/**
 * Column-level lineage of one query, read from the parse tree DuckDB's own parser gives
 * (`json_serialize_sql`), so the dialect understood is exactly DuckDB's. `resolve` names
 * the tables the query reads (a table name, or a table function such as
 * `delta_scan('path')` or `read_parquet('path')` called with a literal path) with their
 * dataset and columns; it may answer asynchronously, and is asked once per reference. Handles select lists with aliases and expressions, `*`, `t.*`,
 * EXCLUDE and REPLACE, joins (ON and USING), WHERE, GROUP BY (and GROUP BY ALL), HAVING,
 * QUALIFY, ORDER BY, window functions, CASE, aggregates, subqueries in FROM and in
 * expressions, CTEs, and UNION [ALL] (positional), UNION BY NAME, EXCEPT and INTERSECT.
 *
 * A table resolve does not know gives no lineage for the columns read from it, rather
 * than a guess; an output column with no known source is left out of `columns`.
 * SQL DuckDB cannot parse throws ENGINE_LINEAGE_SQL_INVALID; anything but one query
 * (INSERT, CREATE, several statements) throws ENGINE_LINEAGE_SQL_UNSUPPORTED.
 */
export async function sqlColumnLineage(engine: Engine, sql: string, resolve: LineageResolver): Promise<SqlColumnLineage> {
  const statement = await parse(engine, sql);
  await nameUnnamedItems(engine, statement);
  const tables = new Map<string, LineageTable | undefined>();
  for (const reference of tableReferences(statement)) {
    const key = referenceKey(reference);
    if (!tables.has(key)) tables.set(key, await resolve(reference));
  }
  const analyzer = new LineageAnalyzer((reference) => tables.get(referenceKey(reference)), await aggregateFunctions(engine));
  const result = analyzer.query(statement, undefined, new Map());
  const columns: Record<string, ColumnSource[]> = {};
  for (const column of result.columns) {
    if (column.name === '' || column.sources.length === 0) continue;
    columns[column.name] = dedupe([...(columns[column.name] ?? []), ...column.sources]);
  }
  return { columns, dataset: dedupe(result.dataset) };
}

/**
 * The tables one query reads by name (`FROM events`, `JOIN raw.orders`), from the same parse
 * tree as sqlColumnLineage: each once, in order of first mention, CTE names left out (a CTE
 * name shadows a table of that name anywhere in the query, a simplification that only errs
 * towards reading fewer tables). Table functions (`read_parquet('…')`) are not tables by name.
 * Throws ENGINE_LINEAGE_SQL_INVALID or ENGINE_LINEAGE_SQL_UNSUPPORTED as sqlColumnLineage does.
 */
export async function sqlTableReads(engine: Engine, sql: string, serialized?: string): Promise<{ name: string; schema?: string }[]> {
  const statement = serialized === undefined ? await parse(engine, sql) : parsedTree(sql, serialized);
  const ctes = cteNames(statement);
  const seen = new Map<string, { name: string; schema?: string }>();
  for (const reference of tableReferences(statement)) {
    if (reference.kind !== 'table' || (reference.schema === undefined && ctes.has(reference.name.toLowerCase()))) continue;
    const key = referenceKey(reference);
    if (!seen.has(key)) seen.set(key, reference.schema === undefined ? { name: reference.name } : { name: reference.name, schema: reference.schema });
  }
  return [...seen.values()];
}

/** Queries parsed per DuckDB query by serializeSqlMany: bounds one query's text. */
const SERIALIZE_BATCH = 500;

/**
 * DuckDB's parse tree (json_serialize_sql) of many queries, in one DuckDB query per
 * SERIALIZE_BATCH of them rather than one each: each query costs a round trip of about
 * 0.3 ms, most of loading a pipeline of 1,000 SQL assets. By query text, for sqlTableReads's
 * `serialized` (a query that does not parse throws there, as if parsed alone).
 */
export async function serializeSqlMany(engine: Engine, sqls: Iterable<string>): Promise<Map<string, string>> {
  const distinct = [...new Set(sqls)];
  const trees = new Map<string, string>();
  for (let start = 0; start < distinct.length; start += SERIALIZE_BATCH) {
    const batch = distinct.slice(start, start + SERIALIZE_BATCH);
    const values = batch.map((sql, i) => `(${i}, ${quoteLiteral(sql)})`).join(', ');
    let rows: Awaited<ReturnType<Engine['query']>>;
    try {
      rows = await engine.query(`SELECT i, json_serialize_sql(q) AS tree FROM (VALUES ${values}) AS t(i, q)`);
    } catch {
      // Left out: each is parsed alone when its reads are taken, and fails there with its own error.
      continue;
    }
    for (const row of rows) trees.set(batch[Number(row['i'])] as string, String(row['tree']));
  }
  return trees;
}

async function parse(engine: Engine, sql: string): Promise<Node> {
  const rows = await engine.query(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS tree`);
  return parsedTree(sql, String(rows[0]?.['tree']));
}

function parsedTree(sql: string, serialized: string): Node {
  const tree = JSON.parse(serialized) as { error: boolean; error_type?: string; error_message?: string; statements?: Node[] };
  if (tree.error) {
    const unsupported = tree.error_type === 'not implemented';
    throw new AquiferError(
      unsupported ? 'ENGINE_LINEAGE_SQL_UNSUPPORTED' : 'ENGINE_LINEAGE_SQL_INVALID',
      `No column lineage for this SQL: ${tree.error_message ?? ''}`,
      {
        value: sql,
        hint: unsupported ? 'Give one SELECT query (CTEs and UNION are fine).' : 'Fix the SQL so DuckDB parses it.',
      },
    );
  }
  const statements = tree.statements ?? [];
  if (statements.length !== 1)
    throw new AquiferError('ENGINE_LINEAGE_SQL_UNSUPPORTED', `No column lineage for ${statements.length} statements at once`, {
      value: sql,
      hint: 'Give one SELECT query.',
    });
  return statements[0] as Node;
}

const aggregateCache = new WeakMap<Engine, Promise<ReadonlySet<string>>>();

/** DuckDB's aggregate functions (the parser does not tell `sum(x)` from `abs(x)`): asked once per engine. */
function aggregateFunctions(engine: Engine): Promise<ReadonlySet<string>> {
  let cached = aggregateCache.get(engine);
  if (cached === undefined) {
    cached = engine
      .query(`SELECT DISTINCT lower(function_name) AS name FROM duckdb_functions() WHERE function_type = 'aggregate'`)
      .then((rows) => new Set(rows.map((r) => String(r['name']))));
    aggregateCache.set(engine, cached);
  }
  return cached;
}

/**
 * Give every unnamed select item the name DuckDB gives its column (the expression's text,
 * such as `(a + 1)` or `sum(x)`): DuckDB's deparser writes it, in one query for them all.
 */
async function nameUnnamedItems(engine: Engine, statement: Node): Promise<void> {
  const items: Node[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== 'object' || value === null) return;
    const node = value as Node;
    if (node['type'] === 'SELECT_NODE' && Array.isArray(node['select_list'])) {
      for (const item of node['select_list'] as Node[])
        if (item['alias'] === undefined || item['alias'] === '') if (item['class'] !== 'COLUMN_REF' && item['class'] !== 'STAR') items.push(item);
    }
    Object.values(node).forEach(visit);
  };
  visit(statement);
  if (items.length === 0) return;
  const texts = items.map((item) =>
    quoteLiteral(
      JSON.stringify({
        error: false,
        statements: [
          {
            node: {
              type: 'SELECT_NODE',
              modifiers: [],
              cte_map: { map: [] },
              select_list: [withoutLocations(item)],
              from_table: { type: 'EMPTY', sample: null },
              where_clause: null,
              group_expressions: [],
              group_sets: [],
              aggregate_handling: 'STANDARD_HANDLING',
              having: null,
              sample: null,
              qualify: null,
            },
            named_param_map: [],
          },
        ],
      }),
    ),
  );
  try {
    const rows = await engine.query(`SELECT [${texts.map((t) => `json_deserialize_sql(${t})`).join(', ')}] AS names`);
    const names = rows[0]?.['names'] as string[];
    items.forEach((item, i) => {
      item['alias'] = String(names[i] ?? '').replace(/^SELECT /, '');
    });
  } catch {
    // An expression the deparser cannot write back keeps no name: its column is left out, not guessed.
  }
}

/** query_location is a uint64 that JSON.parse rounds, and DuckDB refuses the rounded value back. */
function withoutLocations(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLocations);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'query_location')
      .map(([key, v]) => [key, withoutLocations(v)]),
  );
}
