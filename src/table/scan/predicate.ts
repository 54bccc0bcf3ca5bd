import { quoteLiteral, type Engine } from '../../engine/index.js';
import { PredicateInvalidError } from '../errors.js';

export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=';

/** The part of a SQL filter that file skipping understands; everything else is `unknown` (keep the file). */
export type PredicateNode =
  | { kind: 'and' | 'or'; children: PredicateNode[] }
  | { kind: 'compare'; op: ComparisonOp; column: string[]; value: string }
  | { kind: 'in'; column: string[]; values: string[] }
  | { kind: 'between'; column: string[]; lower: string; upper: string }
  | { kind: 'isNull' | 'isNotNull'; column: string[] }
  | { kind: 'unknown' };

export interface Predicate {
  /** The filter as the user wrote it, checked to be one boolean expression. */
  text: string;
  /**
   * The filter ready to embed in SQL: parenthesised, with the closing parenthesis on a
   * line of its own so a trailing `--` comment cannot swallow what follows.
   */
  sql: string;
  root: PredicateNode;
  /** Every column the filter names outside subqueries. */
  columns: string[][];
  /** Whether it holds a subquery (which can read other tables, or files through a table function). */
  subquery: boolean;
}

const COMPARISONS: Record<string, ComparisonOp> = {
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '<>',
  COMPARE_LESSTHAN: '<',
  COMPARE_LESSTHANOREQUALTO: '<=',
  COMPARE_GREATERTHAN: '>',
  COMPARE_GREATERTHANOREQUALTO: '>=',
};
const FLIPPED: Record<ComparisonOp, ComparisonOp> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

type Ast = Record<string, unknown>;

/**
 * Parse a SQL filter with DuckDB's own parser (json_serialize_sql) and keep what data
 * skipping can use. The text must be exactly one expression: anything that would turn
 * `WHERE (<text>)` into more than a filter is refused.
 */
export async function parsePredicate(engine: Engine, where: string): Promise<Predicate> {
  const cached = parsed.get(where);
  if (cached !== undefined) return cached;
  const predicate = await parseUncached(engine, where);
  parsed.set(where, predicate);
  if (parsed.size > PARSED_CACHE_SIZE) parsed.delete(parsed.keys().next().value as string);
  return predicate;
}

/** Filters parsed before: a dashboard asks the same question again and again. Parsing is pure, so results are shared. */
const parsed = new Map<string, Predicate>();
const PARSED_CACHE_SIZE = 256;

async function parseUncached(engine: Engine, where: string): Promise<Predicate> {
  const guarded = `(${where}\n)`;
  const statement = `SELECT * FROM t WHERE ${guarded}`;
  const rows = await engine.query(`SELECT json_serialize_sql(${quoteLiteral(statement)}) AS ast`);
  // Numbers are kept as text so that 64-bit integers and decimals survive JSON.parse.
  const text = String(rows[0]?.['ast'] ?? '').replace(/"value":(-?\d[\d.eE+-]*)/g, '"value":"$1"');
  const json = JSON.parse(text) as { error?: boolean; error_message?: string; statements?: Ast[] };
  if (json.error === true) throw new PredicateInvalidError(`Cannot parse the filter: ${json.error_message ?? 'syntax error'}`, where);
  const node = json.statements?.length === 1 ? (json.statements[0]?.['node'] as Ast | undefined) : undefined;
  if (node === undefined || node['type'] !== 'SELECT_NODE' || !isPlainFilter(node)) {
    throw new PredicateInvalidError('The filter must be a single boolean SQL expression', where);
  }
  const columns: string[][] = [];
  collectColumns(node['where_clause'], columns);
  return { text: where, sql: guarded, root: toNode(node['where_clause'] as Ast), columns, subquery: holdsSubquery(node['where_clause']) };
}

function holdsSubquery(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(holdsSubquery);
  if (typeof value !== 'object' || value === null) return false;
  return (value as Ast)['class'] === 'SUBQUERY' || Object.values(value as Ast).some(holdsSubquery);
}

function isPlainFilter(node: Ast): boolean {
  const from = node['from_table'] as Ast | undefined;
  const empty = (value: unknown) => value === null || value === undefined || (Array.isArray(value) && value.length === 0);
  return (
    from?.['type'] === 'BASE_TABLE' &&
    from['table_name'] === 't' &&
    empty(node['modifiers']) &&
    empty(node['group_expressions']) &&
    empty(node['having']) &&
    empty(node['qualify']) &&
    empty(node['sample']) &&
    (node['select_list'] as Ast[]).length === 1 &&
    (node['select_list'] as Ast[])[0]?.['class'] === 'STAR' &&
    ((node['cte_map'] as { map?: unknown[] } | undefined)?.map?.length ?? 0) === 0
  );
}

function collectColumns(value: unknown, out: string[][]): void {
  if (Array.isArray(value)) {
    for (const item of value) collectColumns(item, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const ast = value as Ast;
  // A subquery's own columns are not the table's; the operand of `x IN (SELECT ...)` is.
  if (ast['class'] === 'SUBQUERY') {
    collectColumns(ast['child'], out);
    return;
  }
  if (ast['class'] === 'COLUMN_REF' && Array.isArray(ast['column_names'])) out.push(ast['column_names'] as string[]);
  for (const child of Object.values(ast)) collectColumns(child, out);
}

function toNode(ast: Ast): PredicateNode {
  const type = ast['type'];
  if (type === 'CONJUNCTION_AND' || type === 'CONJUNCTION_OR') {
    return { kind: type === 'CONJUNCTION_AND' ? 'and' : 'or', children: (ast['children'] as Ast[]).map(toNode) };
  }
  const op = COMPARISONS[String(type)];
  if (op !== undefined) {
    const left = ast['left'] as Ast;
    const right = ast['right'] as Ast;
    const leftColumn = columnOf(left);
    const rightColumn = columnOf(right);
    if (leftColumn !== undefined) {
      const value = constantSql(right);
      if (value !== undefined) return { kind: 'compare', op, column: leftColumn, value };
    } else if (rightColumn !== undefined) {
      const value = constantSql(left);
      if (value !== undefined) return { kind: 'compare', op: FLIPPED[op], column: rightColumn, value };
    }
    return { kind: 'unknown' };
  }
  if (type === 'COMPARE_IN') {
    const [first, ...rest] = ast['children'] as Ast[];
    const column = first === undefined ? undefined : columnOf(first);
    const values = rest.map(constantSql);
    if (column !== undefined && values.every((v): v is string => v !== undefined)) return { kind: 'in', column, values };
    return { kind: 'unknown' };
  }
  if (type === 'COMPARE_BETWEEN') {
    const column = columnOf(ast['input'] as Ast);
    const lower = constantSql(ast['lower'] as Ast);
    const upper = constantSql(ast['upper'] as Ast);
    if (column !== undefined && lower !== undefined && upper !== undefined) return { kind: 'between', column, lower, upper };
    return { kind: 'unknown' };
  }
  if (type === 'OPERATOR_IS_NULL' || type === 'OPERATOR_IS_NOT_NULL') {
    const column = columnOf((ast['children'] as Ast[])[0] as Ast);
    if (column !== undefined) return { kind: type === 'OPERATOR_IS_NULL' ? 'isNull' : 'isNotNull', column };
  }
  return { kind: 'unknown' };
}

function columnOf(ast: Ast): string[] | undefined {
  return ast['class'] === 'COLUMN_REF' ? (ast['column_names'] as string[]) : undefined;
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT']);
const CAST_TARGETS = new Set([
  ...INTEGER_TYPES,
  'FLOAT',
  'DOUBLE',
  'VARCHAR',
  'DATE',
  'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE',
  'TIMESTAMP_NS',
  'TIMESTAMP_MS',
  'TIMESTAMP_S',
  'BOOLEAN',
]);

/** SQL for a constant (or a cast of one) exactly as the user meant it; undefined for anything else. */
function constantSql(ast: Ast): string | undefined {
  if (ast['type'] === 'VALUE_CONSTANT') {
    const value = ast['value'] as { type: { id: string; type_info: Ast | null }; is_null: boolean; value: unknown };
    if (value.is_null) return undefined;
    const id = value.type.id;
    const raw = value.value;
    if (id === 'VARCHAR' && typeof raw === 'string') return quoteLiteral(raw);
    if (id === 'BOOLEAN') return raw === true || raw === 'true' ? 'TRUE' : 'FALSE';
    if (INTEGER_TYPES.has(id) && typeof raw === 'string' && /^-?\d+$/.test(raw)) return `CAST(${raw} AS ${id})`;
    if ((id === 'DOUBLE' || id === 'FLOAT') && typeof raw === 'string') return `CAST(${quoteLiteral(raw)} AS ${id})`;
    if (id === 'DECIMAL' && typeof raw === 'string' && /^-?\d+$/.test(raw)) {
      const info = value.type.type_info as { width?: number; scale?: number } | null;
      const width = info?.width;
      const scale = info?.scale;
      if (typeof width !== 'number' || typeof scale !== 'number') return undefined;
      return `CAST(${quoteLiteral(insertDecimalPoint(raw, scale))} AS DECIMAL(${width},${scale}))`;
    }
    return undefined;
  }
  if (ast['type'] === 'OPERATOR_CAST' && ast['try_cast'] !== true) {
    const inner = constantSql(ast['child'] as Ast);
    const target = ast['cast_type'] as { id: string; type_info: { width?: number; scale?: number } | null };
    if (inner === undefined) return undefined;
    if (target.id === 'DECIMAL' && typeof target.type_info?.width === 'number' && typeof target.type_info.scale === 'number') {
      return `CAST(${inner} AS DECIMAL(${target.type_info.width},${target.type_info.scale}))`;
    }
    if (CAST_TARGETS.has(target.id) && target.type_info === null) return `CAST(${inner} AS ${target.id})`;
  }
  return undefined;
}

function insertDecimalPoint(digits: string, scale: number): string {
  if (scale === 0) return digits;
  const negative = digits.startsWith('-');
  const body = (negative ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${body.slice(0, body.length - scale)}.${body.slice(body.length - scale)}`;
}
