import type { Command } from 'commander';
import { DeltaTable, type WriteResult } from '../../table/index.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { tableCommandRun, tableStores } from '../table-location.js';

/** A column path: `a.b` names field b of struct a, unless the table has a column literally named `a.b`. */
async function columnPath(table: DeltaTable, text: string): Promise<string[]> {
  const snapshot = await table.snapshot();
  return snapshot.schema.fields.some((f) => f.name.toLowerCase() === text.toLowerCase()) ? [text] : text.split('.');
}

function report(location: string, result: WriteResult, what: string, format: InfoFormat): void {
  if (format === 'json') printJson({ location, version: result.version, change: what });
  else printText(`${what}: ${location} is at version ${result.version} (metadata only, no data rewritten).`);
}

export function registerTableAlter(table: Command): void {
  const alter = table
    .command('alter')
    .description("Change a table's schema without rewriting data (the table must use column mapping: delta.columnMapping.mode=name).");
  alter
    .command('rename-column')
    .description('Rename a column, or a struct field given as a.b; partition columns too.')
    .argument('<path>', 'table root')
    .argument('<column>', 'the column (or a.b for a nested field)')
    .argument('<new-name>', 'its new name')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action((location: string, column: string, to: string, flags: { format: InfoFormat }) =>
      tableCommandRun('alter', 'RENAME COLUMN', location, async () => {
        const delta = await DeltaTable.open(location, { stores: tableStores() });
        const result = await delta.renameColumn(await columnPath(delta, column), to);
        report(location, result, `Renamed ${column} to ${to}`, flags.format);
      }),
    );
  alter
    .command('drop-column')
    .description('Drop columns (or struct fields given as a.b); their data stays in the files, unread, until rewritten and vacuumed.')
    .argument('<path>', 'table root')
    .argument('<columns...>', 'the columns to drop')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action((location: string, columns: string[], flags: { format: InfoFormat }) =>
      tableCommandRun('alter', 'DROP COLUMNS', location, async () => {
        const delta = await DeltaTable.open(location, { stores: tableStores() });
        const paths = await Promise.all(columns.map((c) => columnPath(delta, c)));
        const result = await delta.dropColumns(paths);
        report(location, result, `Dropped ${columns.join(', ')}`, flags.format);
      }),
    );
}
