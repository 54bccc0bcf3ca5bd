import type { ColumnSource } from '../observe/index.js';

/**
 * The walk behind sqlColumnLineage, over the statement tree DuckDB's own parser gives
 * (json_serialize_sql): scopes of relations, each column carrying the source columns it
 * comes from, composed as queries nest. Names of unnamed select items were filled in
 * beforehand (see column-lineage.ts), so the walk needs no engine.
 */

import {
  asList,
  asNode,
  collectNames,
  columnsExclusion,
  functionReference,
  lower,
  position,
  queryOf,
  text,
  type LineageTable,
  type LineageTableReference,
  type Node,
} from './column-lineage-tree.js';

interface Column {
  name: string;
  sources: ColumnSource[];
}

/** A query's output: its columns, how many of them sit at known positions, and what decides its rows. */
export interface QueryLineage {
  columns: Column[];
  /** Columns before the first expansion of an unknown relation's `*`: positions past it are not known. */
  positional: number;
  dataset: ColumnSource[];
}

interface Relation {
  alias: string;
  /** Undefined for a relation whose columns are not known (resolve did not know the table). */
  columns: Column[] | undefined;
  /** Columns are known but others may exist (a CTE that expanded an unknown `*`). */
  partial?: boolean;
  /** Columns a USING join shows once: the right side's copy is left out of `*`. */
  hidden?: Set<string>;
}

interface Scope {
  relations: Relation[];
  ctes: Map<string, QueryLineage>;
  parent: Scope | undefined;
  selectItems?: Column[];
  lambdas?: Set<string>;
}

type Direct = 'IDENTITY' | 'TRANSFORMATION' | 'AGGREGATION';
type Mode = { kind: 'DIRECT'; subtype: Direct } | { kind: 'INDIRECT'; subtype: string };

const RANK: Record<string, number> = { IDENTITY: 0, TRANSFORMATION: 1, AGGREGATION: 2 };

function atLeast(mode: Mode, subtype: Direct): Mode {
  if (mode.kind === 'INDIRECT') return mode;
  return (RANK[mode.subtype] ?? 0) >= RANK[subtype]! ? mode : { kind: 'DIRECT', subtype };
}

/** Under `mode`, what a source of a referenced column becomes. */
function convert(source: ColumnSource, mode: Mode): ColumnSource {
  if (mode.kind === 'INDIRECT') return { ...source, type: 'INDIRECT', subtype: mode.subtype };
  if (source.type === 'INDIRECT') return source;
  const rank = Math.max(RANK[mode.subtype] ?? 0, RANK[source.subtype ?? 'IDENTITY'] ?? 0);
  return { ...source, subtype: (Object.keys(RANK).find((k) => RANK[k] === rank) ?? 'TRANSFORMATION') as Direct };
}

export function dedupe(sources: readonly ColumnSource[]): ColumnSource[] {
  const seen = new Map<string, ColumnSource>();
  for (const s of sources) {
    const key = `${s.namespace}\n${s.name}\n${s.field}\n${s.type}\n${s.subtype ?? ''}`;
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

export class LineageAnalyzer {
  constructor(
    private readonly resolve: (reference: LineageTableReference) => LineageTable | undefined,
    private readonly aggregates: ReadonlySet<string>,
  ) {}

  query(value: unknown, outer: Scope | undefined, inherited: Map<string, QueryLineage>): QueryLineage {
    const node = queryOf(value);
    if (node === undefined) return { columns: [], positional: 0, dataset: [] };
    const ctes = new Map(inherited);
    for (const entry of asList(asNode(node['cte_map'])?.['map'])) {
      const cte = asNode(entry['value']);
      const result = this.query(asNode(cte?.['query']), outer, ctes);
      ctes.set(lower(text(entry['key'])), renamed(result, asList(cte?.['aliases']).map(String)));
    }
    switch (node['type']) {
      case 'SELECT_NODE':
        return this.select(node, outer, ctes);
      case 'SET_OPERATION_NODE':
        return this.setOperation(node, outer, ctes);
      default:
        // Nodes this walk does not know (recursive CTEs, PIVOT statements): nothing rather than a guess.
        return { columns: [], positional: 0, dataset: [] };
    }
  }

  private select(node: Node, outer: Scope | undefined, ctes: Map<string, QueryLineage>): QueryLineage {
    const dataset: ColumnSource[] = [];
    const scope: Scope = { relations: [], ctes, parent: outer };
    scope.relations = this.from(asNode(node['from_table']), scope, dataset);
    const columns: Column[] = [];
    // Filled as the list is read: DuckDB lets a select item, WHERE, GROUP BY and ORDER BY name an earlier item's alias.
    scope.selectItems = columns;
    let positional: number | undefined;
    for (const item of asList(node['select_list'])) {
      if (item['class'] === 'STAR' && item['columns'] !== true && item['expr'] === null) {
        const expanded = this.star(item, scope);
        columns.push(...expanded.columns);
        if (!expanded.complete && positional === undefined) positional = columns.length;
        continue;
      }
      const excluded = item['class'] === 'STAR' && item['columns'] === true ? columnsExclusion(item) : undefined;
      if (excluded !== undefined) {
        const expanded = this.star({ ...item, exclude_list: excluded }, scope);
        columns.push(...expanded.columns);
        if (!expanded.complete && positional === undefined) positional = columns.length;
        continue;
      }
      if (item['class'] === 'STAR') {
        // Other COLUMNS(...) forms pick columns by a pattern or lambda over the data's names: which ones is not known here.
        positional ??= columns.length;
        continue;
      }
      const alias = text(item['alias']);
      const names = asList(item['column_names']).map(String);
      const name = alias !== '' ? alias : item['class'] === 'COLUMN_REF' ? (names[names.length - 1] ?? '') : '';
      columns.push({ name, sources: this.expression(item, scope, { kind: 'DIRECT', subtype: 'IDENTITY' }) });
    }
    const indirect = (expr: unknown, subtype: string) => {
      const found = asNode(expr);
      if (found !== undefined) dataset.push(...this.expression(found, scope, { kind: 'INDIRECT', subtype }));
    };
    const byPosition = (expr: Node, subtype: string) => {
      const at = position(expr);
      if (at === undefined) return indirect(expr, subtype);
      for (const s of columns[at - 1]?.sources ?? []) dataset.push(convert(s, { kind: 'INDIRECT', subtype }));
    };
    indirect(node['where_clause'], 'FILTER');
    indirect(node['having'], 'FILTER');
    indirect(node['qualify'], 'FILTER');
    if (node['aggregate_handling'] === 'FORCE_AGGREGATES') {
      // GROUP BY ALL: the select items that aggregate nothing are the keys.
      asList(node['select_list']).forEach((item, i) => {
        if (item['class'] !== 'STAR' && !this.hasAggregate(item))
          for (const s of columns[i]?.sources ?? []) dataset.push(convert(s, { kind: 'INDIRECT', subtype: 'GROUP_BY' }));
      });
    }
    for (const expr of asList(node['group_expressions'])) byPosition(expr, 'GROUP_BY');
    this.modifiers(node, byPosition);
    return { columns, positional: positional ?? columns.length, dataset: dedupe(dataset) };
  }

  private modifiers(node: Node, byPosition: (expr: Node, subtype: string) => void): void {
    for (const modifier of asList(node['modifiers'])) {
      if (modifier['type'] !== 'ORDER_MODIFIER') continue;
      for (const order of asList(modifier['orders'])) {
        const expr = asNode(order['expression']);
        if (expr !== undefined) byPosition(expr, 'SORT');
      }
    }
  }

  private setOperation(node: Node, outer: Scope | undefined, ctes: Map<string, QueryLineage>): QueryLineage {
    const left = this.query(node['left'], outer, ctes);
    const right = this.query(node['right'], outer, ctes);
    const dataset = [...left.dataset, ...right.dataset];
    let columns: Column[];
    let positional = left.positional;
    switch (node['setop_type']) {
      case 'UNION':
        columns = left.columns.map((c, i) =>
          i < left.positional && i < right.positional ? { name: c.name, sources: dedupe([...c.sources, ...(right.columns[i]?.sources ?? [])]) } : c,
        );
        break;
      case 'UNION_BY_NAME': {
        columns = left.columns.map((c) => ({ ...c }));
        for (const r of right.columns) {
          const same = columns.find((c) => lower(c.name) === lower(r.name));
          if (same === undefined) columns.push(r);
          else same.sources = dedupe([...same.sources, ...r.sources]);
        }
        positional = left.positional === left.columns.length && right.positional === right.columns.length ? columns.length : 0;
        break;
      }
      default:
        // EXCEPT and INTERSECT: the right side only decides which left rows stay.
        columns = left.columns;
        for (const c of right.columns) for (const s of c.sources) dataset.push(convert(s, { kind: 'INDIRECT', subtype: 'FILTER' }));
    }
    const scope: Scope = { relations: [{ alias: '', columns }], ctes, parent: outer, selectItems: columns };
    const sorted: ColumnSource[] = [];
    const byPosition = (expr: Node, subtype: string) => {
      const at = position(expr);
      if (at === undefined) sorted.push(...this.expression(expr, scope, { kind: 'INDIRECT', subtype }));
      else for (const s of columns[at - 1]?.sources ?? []) sorted.push(convert(s, { kind: 'INDIRECT', subtype }));
    };
    this.modifiers(node, byPosition);
    return { columns, positional, dataset: dedupe([...dataset, ...sorted]) };
  }

  /** `*` or `t.*`: the relations' columns, less EXCLUDE, with REPLACE's expressions. */
  private star(item: Node, scope: Scope): { columns: Column[]; complete: boolean } {
    const qualifier = lower(text(item['relation_name']));
    const relations = qualifier === '' ? scope.relations : scope.relations.filter((r) => lower(r.alias) === qualifier);
    const excluded = new Set(asList(item['exclude_list']).map((e) => lower(typeof e === 'string' ? e : text(asList((e as Node)['column_names']).pop()))));
    const replaced = new Map<string, Node>();
    for (const entry of asList(item['replace_list'])) {
      const expr = asNode(entry['value']);
      if (expr !== undefined) replaced.set(lower(text(entry['key'])), expr);
    }
    const columns: Column[] = [];
    let complete = relations.length > 0;
    for (const relation of relations) {
      if (relation.columns === undefined) {
        complete = false;
        break;
      }
      for (const column of relation.columns) {
        const key = lower(column.name);
        if (excluded.has(key) || (qualifier === '' && relation.hidden?.has(key))) continue;
        const replacement = replaced.get(key);
        columns.push(
          replacement === undefined ? column : { name: column.name, sources: this.expression(replacement, scope, { kind: 'DIRECT', subtype: 'IDENTITY' }) },
        );
      }
      if (relation.partial === true) {
        complete = false;
        break;
      }
    }
    return { columns, complete };
  }

  /** The relations of a FROM clause, in order; join conditions go into `dataset` as JOIN. */
  private from(ref: Node | undefined, scope: Scope, dataset: ColumnSource[]): Relation[] {
    if (ref === undefined) return [];
    const alias = text(ref['alias']);
    const renames = asList(ref['column_name_alias']).map(String);
    switch (ref['type']) {
      case 'EMPTY':
      case 'EMPTY_FROM':
        return [];
      case 'BASE_TABLE': {
        const name = text(ref['table_name']);
        const schema = text(ref['schema_name']);
        const cte = schema === '' ? scope.ctes.get(lower(name)) : undefined;
        if (cte !== undefined) {
          dataset.push(...cte.dataset);
          return [relationOf(alias || name, cte, renames)];
        }
        const table = this.resolve({ kind: 'table', name, ...(schema === '' ? {} : { schema }) });
        return [tableRelation(alias || name, table, renames)];
      }
      case 'TABLE_FUNCTION': {
        const fn = asNode(ref['function']);
        const reference = functionReference(fn);
        const table = reference === undefined ? undefined : this.resolve(reference);
        return [tableRelation(alias || text(fn?.['function_name']), table, renames)];
      }
      case 'SUBQUERY': {
        const result = this.query(ref['subquery'], scope.parent, scope.ctes);
        dataset.push(...result.dataset);
        return [relationOf(alias, result, renames)];
      }
      case 'JOIN': {
        const left = this.from(asNode(ref['left']), scope, dataset);
        const right = this.from(asNode(ref['right']), scope, dataset);
        const joined: Scope = { relations: [...left, ...right], ctes: scope.ctes, parent: scope.parent };
        const condition = asNode(ref['condition']);
        if (condition !== undefined) dataset.push(...this.expression(condition, joined, { kind: 'INDIRECT', subtype: 'JOIN' }));
        const using = asList(ref['using_columns']).map(String);
        for (const column of using) {
          for (const side of [left, right]) {
            const found = lookupBare(column, side);
            if (found !== undefined && found !== 'unknown') dataset.push(...found.sources.map((s) => convert(s, { kind: 'INDIRECT', subtype: 'JOIN' })));
          }
        }
        if (using.length > 0 && ref['join_type'] !== 'OUTER')
          for (const relation of right) relation.hidden = new Set([...(relation.hidden ?? []), ...using.map(lower)]);
        // A semi or anti join only decides which left rows stay.
        return ref['join_type'] === 'SEMI' || ref['join_type'] === 'ANTI' ? left : joined.relations;
      }
      default:
        // VALUES lists, PIVOT and the like: columns not known here.
        return [{ alias, columns: undefined }];
    }
  }

  /** The source columns of an expression, each as `mode` makes it (see convert). */
  expression(expr: Node, scope: Scope, mode: Mode): ColumnSource[] {
    const within = (value: unknown, inner: Mode): ColumnSource[] => {
      if (Array.isArray(value)) return value.flatMap((v) => within(v, inner));
      const node = asNode(value);
      if (node === undefined) return [];
      if (typeof node['class'] === 'string') return this.expression(node, scope, inner);
      return Object.values(node).flatMap((v) => within(v, inner));
    };
    const indirect = (subtype: string): Mode => (mode.kind === 'INDIRECT' ? mode : { kind: 'INDIRECT', subtype });
    switch (expr['class']) {
      case 'COLUMN_REF': {
        const column = lookup(asList(expr['column_names']).map(String), scope);
        return column === undefined ? [] : column.sources.map((s) => convert(s, mode));
      }
      case 'CONSTANT':
      case 'PARAMETER':
      case 'DEFAULT':
        return [];
      case 'FUNCTION': {
        const inner = atLeast(mode, this.aggregates.has(lower(text(expr['function_name']))) ? 'AGGREGATION' : 'TRANSFORMATION');
        return [
          ...within(expr['children'], inner),
          ...within(expr['filter'], indirect('FILTER')),
          ...asList(asNode(expr['order_bys'])?.['orders']).flatMap((o) => within(o['expression'], indirect('SORT'))),
        ];
      }
      case 'CASE':
        return [
          ...asList(expr['case_checks']).flatMap((check) => [
            ...within(check['when_expr'], indirect('CONDITIONAL')),
            ...within(check['then_expr'], atLeast(mode, 'TRANSFORMATION')),
          ]),
          ...within(expr['else_expr'], atLeast(mode, 'TRANSFORMATION')),
        ];
      case 'WINDOW': {
        const aggregate = this.aggregates.has(lower(text(expr['function_name'])));
        return [
          ...within(expr['children'], atLeast(mode, aggregate ? 'AGGREGATION' : 'TRANSFORMATION')),
          ...within([expr['offset_expr'], expr['default_expr']], atLeast(mode, 'TRANSFORMATION')),
          ...within(expr['partitions'], indirect('WINDOW')),
          ...asList(expr['orders']).flatMap((o) => within(o['expression'], indirect('WINDOW'))),
          ...within(expr['filter_expr'], indirect('FILTER')),
        ];
      }
      case 'SUBQUERY': {
        const result = this.query(expr['subquery'], scope, scope.ctes);
        const inner = atLeast(mode, 'TRANSFORMATION');
        return [
          ...within(expr['child'], inner),
          ...result.columns.flatMap((c) => c.sources.map((s) => convert(s, inner))),
          ...result.dataset.map((s) => (mode.kind === 'INDIRECT' ? convert(s, mode) : s)),
        ];
      }
      case 'LAMBDA': {
        const parameters = collectNames(expr['lhs']).map(lower);
        const inner: Scope = { ...scope, lambdas: new Set([...(scope.lambdas ?? []), ...parameters]) };
        return this.expression(asNode(expr['expr']) ?? {}, inner, mode);
      }
      case 'STAR':
        return [];
      default:
        return Object.entries(expr)
          .filter(([key]) => key !== 'class' && key !== 'type')
          .flatMap(([, v]) => within(v, atLeast(mode, 'TRANSFORMATION')));
    }
  }

  /** Whether an expression aggregates (outside window functions): GROUP BY ALL groups by the items that do not. */
  private hasAggregate(expr: unknown): boolean {
    if (Array.isArray(expr)) return expr.some((e) => this.hasAggregate(e));
    const node = asNode(expr);
    if (node === undefined) return false;
    if (node['class'] === 'WINDOW' || node['class'] === 'SUBQUERY') return false;
    if (node['class'] === 'FUNCTION' && this.aggregates.has(lower(text(node['function_name'])))) return true;
    return Object.values(node).some((v) => this.hasAggregate(v));
  }
}

function renamed(result: QueryLineage, names: readonly string[]): QueryLineage {
  if (names.length === 0) return result;
  return { ...result, columns: result.columns.map((c, i) => (i < names.length ? { ...c, name: names[i] as string } : c)) };
}

function relationOf(alias: string, result: QueryLineage, renames: readonly string[]): Relation {
  const columns = renamed(result, renames).columns;
  return { alias, columns, ...(result.positional < result.columns.length ? { partial: true } : {}) };
}

function tableRelation(alias: string, table: LineageTable | undefined, renames: readonly string[]): Relation {
  if (table === undefined) return { alias, columns: undefined };
  const columns = table.columns.map((field, i) => ({
    name: renames[i] ?? field,
    sources: [{ namespace: table.namespace, name: table.name, field, type: 'DIRECT' as const, subtype: 'IDENTITY' }],
  }));
  return { alias, columns };
}

/** A bare column among relations: the first that has it; 'unknown' when none does and one might (its columns are not known). */
function lookupBare(name: string, relations: readonly Relation[]): Column | 'unknown' | undefined {
  const key = lower(name);
  let unknown = false;
  for (const relation of relations) {
    if (relation.columns === undefined) {
      unknown = true;
      continue;
    }
    const found = relation.columns.find((c) => lower(c.name) === key);
    if (found !== undefined) return found;
    if (relation.partial === true) unknown = true;
  }
  return unknown ? 'unknown' : undefined;
}

function lookupIn(names: readonly string[], scope: Scope): Column | 'unknown' | undefined {
  if (names.length >= 2) {
    // alias.column (or alias.column.field), schema.table.column, else column.field (a struct).
    for (const at of names.length >= 3 ? [0, 1] : [0]) {
      const relation = scope.relations.find((r) => lower(r.alias) === lower(names[at] as string));
      if (relation === undefined) continue;
      const found = lookupBare(names[at + 1] as string, [relation]);
      if (found !== undefined) return found;
    }
  }
  const bare = names[0] as string;
  if (names.length === 1 && scope.lambdas?.has(lower(bare))) return 'unknown';
  const found = lookupBare(bare, scope.relations);
  if (found !== undefined) return found;
  // DuckDB lets WHERE, GROUP BY and ORDER BY name a select item by its alias.
  return names.length === 1 ? scope.selectItems?.find((c) => lower(c.name) === lower(bare)) : undefined;
}

function lookup(names: readonly string[], scope: Scope): Column | undefined {
  for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) {
    const found = lookupIn(names, s);
    if (found === 'unknown') return undefined;
    if (found !== undefined) return found;
  }
  return undefined;
}
