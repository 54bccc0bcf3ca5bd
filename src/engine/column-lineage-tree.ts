/**
 * Reading the statement tree DuckDB's parser gives (json_serialize_sql): the few shapes
 * column lineage looks at, and the table references in it.
 */

/** DuckDB's parse tree as json_serialize_sql gives it: only the fields read here are typed. */
export type Node = Record<string, unknown>;

/** A table (or table function) a query reads, as resolve is asked about it. */
export type LineageTableReference =
  | { kind: 'table'; name: string; schema?: string }
  /** A table function over literal paths: `path` is the first, `paths` all (`read_parquet(['a', 'b'])`). */
  | { kind: 'function'; function: string; path: string; paths: readonly string[] };

/** What resolve answers for a known table: its dataset identity and its columns, in order. */
export interface LineageTable {
  namespace: string;
  name: string;
  columns: readonly string[];
}

/** May answer asynchronously (reading a file's columns, say): every reference is resolved before the walk. */
export type LineageResolver = (reference: LineageTableReference) => LineageTable | undefined | Promise<LineageTable | undefined>;

/** The references a statement makes to tables and to table functions with a literal path (CTE names included: resolve may not know them). */
export function tableReferences(value: unknown): LineageTableReference[] {
  if (Array.isArray(value)) return value.flatMap(tableReferences);
  const node = asNode(value);
  if (node === undefined) return [];
  const found = Object.values(node).flatMap(tableReferences);
  if (node['type'] === 'BASE_TABLE') {
    const schema = text(node['schema_name']);
    found.push({ kind: 'table', name: text(node['table_name']), ...(schema === '' ? {} : { schema }) });
  }
  if (node['type'] === 'TABLE_FUNCTION') {
    const reference = functionReference(asNode(node['function']));
    if (reference !== undefined) found.push(reference);
  }
  return found;
}

export function functionReference(fn: Node | undefined): LineageTableReference | undefined {
  const first = asList(fn?.['children'])[0];
  const literal = (node: Node | undefined) => (node?.['class'] === 'CONSTANT' ? asNode(node['value'])?.['value'] : undefined);
  const values = first?.['class'] === 'FUNCTION' && first['function_name'] === 'list_value' ? asList(first['children']).map(literal) : [literal(first)];
  if (values.length === 0 || !values.every((v): v is string => typeof v === 'string')) return undefined;
  return { kind: 'function', function: text(fn?.['function_name']), path: values[0] as string, paths: values };
}

/**
 * `COLUMNS(c -> c NOT IN ('x', 'y'))`, the one COLUMNS form whose columns are known without
 * the data (table scans drop their row-number column with it): the names it leaves out.
 */
export function columnsExclusion(item: Node): string[] | undefined {
  const filter = asNode(item['expr']);
  if (filter?.['class'] !== 'FUNCTION' || filter['function_name'] !== 'list_filter') return undefined;
  const [star, lambda] = asList(filter['children']);
  if (star?.['class'] !== 'STAR' || text(star['relation_name']) !== '' || lambda?.['class'] !== 'LAMBDA') return undefined;
  const parameter = collectNames(lambda['lhs']);
  const body = asNode(lambda['expr']);
  const [subject, ...values] = asList(body?.['children']);
  if (body?.['type'] !== 'COMPARE_NOT_IN' || parameter.length !== 1 || subject?.['class'] !== 'COLUMN_REF') return undefined;
  if (asList(subject['column_names']).join('.') !== parameter[0]) return undefined;
  const names = values.map((v) => (v['class'] === 'CONSTANT' ? asNode(v['value'])?.['value'] : undefined));
  return names.every((n): n is string => typeof n === 'string') ? names : undefined;
}

/** Every CTE name a statement defines, at any depth (lower-cased), so table references to them can be told apart. */
export function cteNames(value: unknown): Set<string> {
  const names = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    const node = asNode(v);
    if (node === undefined) return;
    for (const entry of asList(asNode(node['cte_map'])?.['map'])) names.add(lower(text(entry['key'])));
    Object.values(node).forEach(walk);
  };
  walk(value);
  return names;
}

/** A key for a reference, for looking up what resolve answered. */
export const referenceKey = (reference: LineageTableReference): string =>
  reference.kind === 'table'
    ? `table\n${lower(reference.schema ?? '')}\n${lower(reference.name)}`
    : `function\n${lower(reference.function)}\n${reference.paths.join('\n')}`;

export const lower = (text: string) => text.toLowerCase();
export const asNode = (value: unknown): Node | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Node) : undefined;
export const asList = (value: unknown): Node[] => (Array.isArray(value) ? (value as Node[]) : []);
export const text = (value: unknown): string => (typeof value === 'string' ? value : '');
/** A query node, whether given as a statement (`{ node }`) or bare. */
export const queryOf = (value: unknown): Node | undefined => asNode(asNode(value)?.['node']) ?? asNode(value);

/** A 1-based position in a select list (`ORDER BY 2`, `GROUP BY 1`), when the expression is one. */
export function position(expr: Node): number | undefined {
  if (expr['class'] !== 'CONSTANT') return undefined;
  const value = asNode(expr['value']);
  const id = asNode(value?.['type'])?.['id'];
  const n = value?.['value'];
  return (id === 'INTEGER' || id === 'BIGINT') && typeof n === 'number' ? n : undefined;
}

export function collectNames(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(collectNames);
  const node = asNode(value);
  if (node === undefined) return [];
  if (node['class'] === 'COLUMN_REF') return asList(node['column_names']).map(String).slice(-1);
  return Object.values(node).flatMap(collectNames);
}
