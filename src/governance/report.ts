import type { Engine } from '../engine/index.js';
import { LineageLog, type OpenLineageRunEvent } from '../lineage/index.js';
import { tableDataset } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { columnFlows, key, type DatasetColumn } from './column-flow.js';
import { projectColumns } from './declared-tags.js';
import { flowsToDerived } from './tags.js';

export interface ColumnName {
  /** The table's name in the project (`users`), an Aquifer dataset's (`training-sets/churn`), or the location of any other. */
  table: string;
  column: string;
}

export interface TaggedColumn extends ColumnName {
  /** Its tags: those declared on it and those it inherits. */
  tags: string[];
  /** Whether the table's metadata tags it (else it is tagged only by what it derives from). */
  declared: boolean;
  /** The declared columns whose tags it inherits, when it inherits any. */
  from?: ColumnName[];
  /** One shortest way from the first of them to it, each step `table.column`. */
  path?: string[];
}

export interface GovernanceReport {
  columns: TaggedColumn[];
}

export interface GovernanceReportOptions {
  /** The run events to follow; by default the project's lineage log. */
  events?: readonly OpenLineageRunEvent[];
}

interface Inherited {
  tags: Set<string>;
  from: DatasetColumn[];
  path: DatasetColumn[];
}

/**
 * Every tagged column of the project: the tags tables declare in their column metadata, and
 * the personal (`pii`, `pii:<kind>`) and `sensitive` tags their values carry into every
 * column derived from them, through any number of steps of column lineage (SQL changes,
 * training sets, whatever the lineage log records columnLineage for).
 */
export async function governanceReport(project: Project, engine: Engine, options: GovernanceReportOptions = {}): Promise<GovernanceReport> {
  const events = options.events ?? (await LineageLog.forProject(project, engine).events());
  const { declared, physical } = await projectColumns(project, engine, events);
  const logical = (c: DatasetColumn) => physical.get(key(c)) ?? c;
  const next = new Map<string, DatasetColumn[]>();
  for (const flow of columnFlows(events)) {
    const [from, to] = [logical(flow.from), logical(flow.to)];
    next.set(key(from), [...(next.get(key(from)) ?? []), to]);
  }

  const inherited = new Map<string, Inherited>();
  for (const origin of declared) {
    const flowing = origin.tags.filter(flowsToDerived);
    if (flowing.length === 0) continue;
    // Breadth first, so the path kept for each column is a shortest one from this origin.
    const paths = new Map<string, DatasetColumn[]>([[key(origin), [origin]]]);
    const queue: DatasetColumn[] = [origin];
    for (let column = queue.shift(); column !== undefined; column = queue.shift()) {
      const here = paths.get(key(column)) as DatasetColumn[];
      for (const target of next.get(key(column)) ?? []) {
        if (paths.has(key(target))) continue;
        const path = [...here, target];
        paths.set(key(target), path);
        queue.push(target);
        const entry = inherited.get(key(target)) ?? { tags: new Set<string>(), from: [], path };
        flowing.forEach((t) => entry.tags.add(t));
        entry.from.push(origin);
        inherited.set(key(target), entry);
      }
    }
  }

  const name = (c: DatasetColumn): ColumnName => ({ table: displayName(project, c), column: c.column });
  const step = (c: DatasetColumn) => `${displayName(project, c)}.${c.column}`;
  const described = (column: DatasetColumn, own: readonly string[]): TaggedColumn => {
    const from = inherited.get(key(column));
    const tags = [...new Set([...own, ...(from?.tags ?? [])])].sort();
    const out: TaggedColumn = { ...name(column), tags, declared: own.length > 0 };
    if (from !== undefined) {
      out.from = from.from.map(name);
      out.path = from.path.map(step);
    }
    return out;
  };
  const declaredKeys = new Set(declared.map(key));
  const columns = [
    ...declared.map((c) => described(c, c.tags)),
    ...[...inherited.keys()].filter((k) => !declaredKeys.has(k)).map((k) => described(columnOf(k), [])),
  ];
  columns.sort((a, b) => (a.table === b.table ? (a.column < b.column ? -1 : 1) : a.table < b.table ? -1 : 1));
  return { columns };
}

function columnOf(k: string): DatasetColumn {
  const [namespace, name, column] = k.split('\n') as [string, string, string];
  return { namespace, name, column };
}

/** A table of the project by its name, an Aquifer dataset by its own, anything else by its location. */
function displayName(project: Project, column: DatasetColumn): string {
  if (column.namespace.startsWith('aquifer://')) return column.name;
  const probe = tableDataset(project.tablePath('t'));
  const prefix = probe.name.slice(0, -1);
  if (column.namespace === probe.namespace && column.name.startsWith(prefix) && !column.name.slice(prefix.length).includes('/'))
    return column.name.slice(prefix.length);
  return column.namespace === 'file' ? column.name : `${column.namespace}/${column.name}`;
}
