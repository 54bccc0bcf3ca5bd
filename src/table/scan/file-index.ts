import { quoteIdent, type Engine } from '../../engine/index.js';
import type { AddFile } from '../actions/index.js';
import { physicalName, type ColumnMappingMode, type DataType, type StructField } from '../schema/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { parseJsonKeepingNumbers, valueAt } from './exact-json.js';

let sequence = 0;

/**
 * The files of a snapshot as a DuckDB temp table, for deciding which to skip: one row per
 * file with its index, stats JSON, raw partition values (`pv_<i>`) and, for decimal
 * columns, exact bounds (`xmin_<j>`, `xmax_<j>`) taken in JavaScript, since DuckDB's JSON
 * functions read numbers as doubles.
 *
 * Kept per snapshot and engine, so repeated scans of one version pay for it once; the
 * table is dropped when its snapshot is garbage-collected.
 */
export class FileIndex {
  private constructor(
    readonly table: string,
    /** Physical paths of the decimal columns with exact bounds, in column order. */
    readonly decimalPaths: readonly string[][],
  ) {}

  static async build(engine: Engine, snapshot: Snapshot, files: readonly AddFile[]): Promise<FileIndex> {
    const mode = snapshot.columnMappingMode;
    const partitionFields = snapshot.partitionColumns.map((name) => snapshot.field(name));
    const decimals = decimalPaths(snapshot.dataFields, mode, []);
    const table = `aq_files_${process.pid}_${++sequence}`;
    const columns: { name: string; type: 'VARCHAR' | 'BIGINT' }[] = [
      { name: 'idx', type: 'BIGINT' },
      { name: 'stats', type: 'VARCHAR' },
      ...partitionFields.map((_, i) => ({ name: `pv_${i}`, type: 'VARCHAR' as const })),
      ...decimals.flatMap((_, j) => [
        { name: `xmin_${j}`, type: 'VARCHAR' as const },
        { name: `xmax_${j}`, type: 'VARCHAR' as const },
      ]),
    ];
    const rows = files.map((file, index) => {
      const row: (string | number | null)[] = [index, file.stats ?? null];
      for (const field of partitionFields) row.push(field === undefined ? null : (file.partitionValues[physicalName(field, mode)] ?? null));
      const stats = decimals.length === 0 || file.stats === undefined ? undefined : safeParse(file.stats);
      for (const path of decimals) {
        for (const side of ['minValues', 'maxValues']) {
          const value = valueAt(stats, [side, ...path]);
          row.push(typeof value === 'string' ? value : null);
        }
      }
      return row;
    });
    await engine.createTempTable(table, columns, rows);
    return new FileIndex(table, decimals);
  }

  /** Index of a decimal column's exact bounds, by physical path. */
  decimalIndex(physical: readonly string[]): number {
    const key = JSON.stringify(physical);
    return this.decimalPaths.findIndex((p) => JSON.stringify(p) === key);
  }

  async matching(engine: Engine, condition: string): Promise<Set<number>> {
    const rows = await engine.query(`SELECT idx FROM ${quoteIdent(this.table)} WHERE ${condition}`);
    return new Set(rows.map((row) => Number(row['idx'])));
  }
}

const cache = new WeakMap<Snapshot, Map<Engine, Promise<FileIndex>>>();
const cleanup = new FinalizationRegistry<{ engine: Engine; table: string }>(({ engine, table }) => {
  engine.run(`DROP TABLE IF EXISTS ${quoteIdent(table)}`).catch(() => undefined);
});

/** The snapshot's file index on this engine, built on first use. */
export function fileIndexFor(engine: Engine, snapshot: Snapshot): Promise<FileIndex> {
  let byEngine = cache.get(snapshot);
  if (byEngine === undefined) {
    byEngine = new Map();
    cache.set(snapshot, byEngine);
  }
  let index = byEngine.get(engine);
  if (index === undefined) {
    index = FileIndex.build(engine, snapshot, snapshot.files);
    byEngine.set(engine, index);
    index.then(
      (built) => cleanup.register(snapshot, { engine, table: built.table }),
      () => byEngine?.delete(engine),
    );
  }
  return index;
}

function decimalPaths(fields: readonly StructField[], mode: ColumnMappingMode, prefix: string[]): string[][] {
  return fields.flatMap((f) => {
    const path = [...prefix, physicalName(f, mode)];
    const type: DataType = f.type;
    if (type.kind === 'decimal') return [path];
    if (type.kind === 'struct') return decimalPaths(type.fields, mode, path);
    return [];
  });
}

function safeParse(text: string): unknown {
  try {
    return parseJsonKeepingNumbers(text);
  } catch {
    return undefined;
  }
}
