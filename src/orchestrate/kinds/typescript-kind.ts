import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Engine } from '../../engine/index.js';
import { currentJobRun, tableDataset, type ColumnSource } from '../../observe/index.js';
import { prepareSource } from '../../table/index.js';
import { isAquiferError } from '../../errors.js';
import type { Asset } from '../definition.js';
import { AssetModuleInvalidError } from '../errors.js';
import { bindTables, withBindings, type KindContext } from './context.js';
import { writeAssetTable } from './write-table.js';

type TypescriptAsset = Extract<Asset, { kind: 'typescript' }>;

/** Rows a function may return in memory; more should be returned as `{ sql }` so DuckDB writes them. */
export const MAX_MODULE_ROWS = 100_000;

/** What a TypeScript asset's function is given. */
export interface AssetFunctionInput {
  /** Each input table's SQL, pinned at the version the run recorded (`SELECT … FROM (${tables.events})`). */
  tables: Readonly<Record<string, string>>;
  /** The project's DuckDB engine, for queries over those tables. */
  engine: Engine;
  /** The partition being run, if any (the result is filtered to it). */
  partition?: string;
  asset: string;
}

/** What it returns: rows (objects, up to MAX_MODULE_ROWS) or one SELECT, which may name the input tables as they are named in `reads`. */
export type AssetFunctionResult = readonly Record<string, unknown>[] | { sql: string };
export type AssetFunction = (input: AssetFunctionInput) => AssetFunctionResult | Promise<AssetFunctionResult>;

/** Node strips types itself from 22.6 (behind a flag until 23.6); on Node 20 a `.ts` module is refused with a hint. */
function canImportTypeScript(): boolean {
  return (process.features as { typescript?: unknown }).typescript !== undefined && (process.features as { typescript?: unknown }).typescript !== false;
}

/**
 * A TypeScript asset: its module is imported (an ES module: `.mjs`/`.js`; `.ts`/`.mts` only
 * where Node strips types itself, no build step or loader of Aquifer's own), its function is
 * given the pinned input tables, and what it returns is written as the asset's table like a
 * SQL asset's result. Returns the version written.
 */
export async function runTypescriptAsset(context: KindContext, asset: TypescriptAsset): Promise<number> {
  const file = path.join(context.project.root, asset.module);
  if (/\.m?ts$/.test(file) && !canImportTypeScript())
    throw new AssetModuleInvalidError(
      asset.name,
      asset.module,
      `cannot be imported: Node ${process.versions.node} does not run TypeScript without a build step`,
      'Compile it to .mjs (tsc or esbuild), or run Aquifer on Node 22.6+ with --experimental-strip-types (23.6+ without the flag).',
    );
  let module: Record<string, unknown>;
  try {
    // Keyed by the file's modification time: a scheduler or server that runs for days picks up an edited module
    // (and one that failed to import is tried again once fixed), as it re-reads pipelines/*.json.
    const url = pathToFileURL(file);
    url.searchParams.set('mtime', String((await stat(file)).mtimeMs));
    module = (await import(url.href)) as Record<string, unknown>;
  } catch (error) {
    throw new AssetModuleInvalidError(
      asset.name,
      asset.module,
      `cannot be imported: ${error instanceof Error ? error.message : String(error)}`,
      undefined,
      error,
    );
  }
  const name = asset.export ?? 'default';
  const fn = module[name];
  if (typeof fn !== 'function') throw new AssetModuleInvalidError(asset.name, asset.module, `has no function exported as ${name}`);
  // A declaration naming a table the asset does not read fails before the function runs.
  const lineage = declaredLineage(context, asset);
  const bindings = await bindTables(context);
  const tables = Object.fromEntries(bindings.map((b) => [b.name, b.sql]));
  let result: unknown;
  try {
    result = await (fn as AssetFunction)({
      tables,
      engine: context.engine,
      asset: asset.name,
      ...(context.partition === undefined ? {} : { partition: context.partition }),
    });
  } catch (error) {
    // An Aquifer error (a query the function ran, say) keeps its code; anything else is the module's failure.
    if (isAquiferError(error)) throw error;
    throw new AssetModuleInvalidError(asset.name, asset.module, `threw: ${error instanceof Error ? error.message : String(error)}`, undefined, error);
  }
  if (isSqlResult(result)) return writeAssetTable(context, withBindings(bindings, result.sql));
  const rows = checkRows(asset, result);
  // Rows in memory are staged as a file DuckDB reads (types inferred as for any JSON rows), removed after the write.
  const staged = await prepareSource({ rows }, undefined, context.engine);
  try {
    const version = await writeAssetTable(context, staged.sql);
    if (lineage !== undefined) currentJobRun()?.output({ ...tableDataset(context.project.tablePath(asset.name)), kind: 'table', columnLineage: lineage });
    return version;
  } finally {
    await staged.dispose();
  }
}

/**
 * The column lineage the asset declares for rows it returns in memory (which carry none of
 * their own): each column ← the read tables' columns, as a TRANSFORMATION, so tags follow.
 */
function declaredLineage(context: KindContext, asset: TypescriptAsset): Record<string, ColumnSource[]> | undefined {
  if (asset.columnLineage === undefined) return undefined;
  const lineage: Record<string, ColumnSource[]> = {};
  for (const [column, sources] of Object.entries(asset.columnLineage))
    lineage[column] = sources.map((source) => {
      const dot = source.lastIndexOf('.');
      const table = source.slice(0, dot);
      if (!asset.reads.includes(table))
        throw new AssetModuleInvalidError(
          asset.name,
          asset.module,
          `declares that ${column} comes from ${source}, but ${table} is not among the tables it reads`,
          'Name tables of "reads" in "columnLineage" (table.column).',
        );
      return { ...tableDataset(context.project.tablePath(table, { internal: true })), field: source.slice(dot + 1), type: 'DIRECT', subtype: 'TRANSFORMATION' };
    });
  return lineage;
}

function isSqlResult(result: unknown): result is { sql: string } {
  return typeof result === 'object' && result !== null && !Array.isArray(result) && typeof (result as { sql?: unknown }).sql === 'string';
}

function checkRows(asset: TypescriptAsset, result: unknown): Record<string, unknown>[] {
  if (!Array.isArray(result) || !result.every((row) => typeof row === 'object' && row !== null && !Array.isArray(row)))
    throw new AssetModuleInvalidError(asset.name, asset.module, 'returned neither an array of row objects nor { sql: string }');
  if (result.length > MAX_MODULE_ROWS)
    throw new AssetModuleInvalidError(
      asset.name,
      asset.module,
      `returned ${result.length} rows, over the ${MAX_MODULE_ROWS}-row limit for rows in memory (return { sql } instead)`,
    );
  if (result.length === 0)
    throw new AssetModuleInvalidError(
      asset.name,
      asset.module,
      'returned no rows: an empty array has no columns to make a table of (return { sql } for an empty result)',
    );
  return result as Record<string, unknown>[];
}
