import type { Command } from 'commander';
import { DeltaTable, type DmlResult, type MergeOptions, type WriteSource } from '../../table/index.js';
import { choice, collect, collectProperty } from '../options.js';
import { ProgressBar } from '../output/progress.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { CliUsageError } from '../usage-error.js';
import { parseMergeClauses } from '../merge-clauses.js';
import { gateWarningLines, tableCommandRun, tableGate, tableStores } from '../table-location.js';
import { sharedEngine } from '../../engine/index.js';
import { gatedMerge, IngestTarget, reportSourceFiles } from '../../ingest/index.js';

function report(location: string, result: DmlResult, format: InfoFormat): void {
  if (format === 'json') {
    printJson({ location, ...result });
    return;
  }
  if (!result.committed) {
    printText(`No row matched: ${location} stays at version ${result.version}.`);
    return;
  }
  const parts = [
    result.rowsDeleted > 0 ? `deleted ${result.rowsDeleted}` : '',
    result.rowsUpdated > 0 ? `updated ${result.rowsUpdated}` : '',
    result.rowsInserted > 0 ? `inserted ${result.rowsInserted}` : '',
  ].filter((p) => p !== '');
  const how =
    result.deletionVectorsAdded > 0
      ? `${result.deletionVectorsAdded} deletion vector${result.deletionVectorsAdded === 1 ? '' : 's'}`
      : `${result.filesRemoved} file${result.filesRemoved === 1 ? '' : 's'} replaced`;
  printText(`${parts.join(', ')} rows (${how}, ${result.filesAdded} written): ${location} is at version ${result.version}.`);
}

const FORMAT = ['--format <format>', 'text or json'] as const;

/** Run a change with a progress bar on the terminal (text format only), stopped whatever happens. */
async function withProgress<T>(label: string, format: InfoFormat, work: (onProgress: (fraction: number) => void) => Promise<T>): Promise<T> {
  const progress = new ProgressBar(label, format === 'text' && process.stderr.isTTY === true);
  try {
    return await work((fraction) => progress.update(fraction));
  } finally {
    progress.stop();
  }
}

export function registerTableDml(table: Command): void {
  table
    .command('delete')
    .description(
      'Delete the rows matching --where (all rows without it) in one commit; with delta.enableDeletionVectors=true files are kept and rows marked, otherwise rewritten.',
    )
    .argument('<path>', 'table root')
    .option('--where <sql>', "SQL predicate over the table's columns, e.g. \"country = 'NL'\"")
    .option(...FORMAT, choice(['text', 'json'] as const), 'text')
    .action((location: string, flags: { where?: string; format: InfoFormat }) =>
      tableCommandRun('delete', 'DELETE', location, async () => {
        report(
          location,
          await withProgress('delete', flags.format, (onProgress) =>
            DeltaTable.open(location, { stores: tableStores() }).then((t) => t.delete(flags.where, { onProgress })),
          ),
          flags.format,
        );
      }),
    );

  table
    .command('update')
    .description('Set columns of the rows matching --where (all rows without it) in one commit.')
    .argument('<path>', 'table root')
    .requiredOption('--set <column=sql>', "a column and its new value as SQL over the row, e.g. price='price * 1.1'; repeatable", collectProperty, {})
    .option('--where <sql>', "SQL predicate over the table's columns")
    .option(...FORMAT, choice(['text', 'json'] as const), 'text')
    .action((location: string, flags: { set: Record<string, string>; where?: string; format: InfoFormat }) =>
      tableCommandRun('update', 'UPDATE', location, async () => {
        report(
          location,
          await withProgress('update', flags.format, (onProgress) =>
            DeltaTable.open(location, { stores: tableStores() }).then((t) =>
              t.update({ set: flags.set, onProgress, ...(flags.where === undefined ? {} : { where: flags.where }) }),
            ),
          ),
          flags.format,
        );
      }),
    );

  table
    .command('merge')
    .description(
      'MERGE INTO the table from files: join on --on (over the aliases target and source), then update, delete or insert. --upsert is the common case; --clauses takes the full form as JSON.',
    )
    .argument('<path>', 'table root')
    .requiredOption('--from <file>', 'source file or glob (CSV, JSON lines or Parquet); repeatable', collect, [])
    .requiredOption('--on <sql>', 'join condition, e.g. "target.id = source.id"')
    .option('--upsert', "update matched rows from the source's columns and insert the rest ('*')")
    .option('--delete-matched [condition]', 'delete matched target rows (where the condition holds); checked before --upsert')
    .option('--delete-missing [condition]', 'delete target rows no source row matches (where the condition holds)')
    .option('--clauses <json>', 'the clauses as JSON: {"whenMatched": [...], "whenNotMatched": [...], "whenNotMatchedBySource": [...]}')
    .option(...FORMAT, choice(['text', 'json'] as const), 'text')
    .action(
      (
        location: string,
        flags: {
          from: string[];
          on: string;
          upsert?: boolean;
          deleteMatched?: string | true;
          deleteMissing?: string | true;
          clauses?: string;
          format: InfoFormat;
        },
      ) =>
        tableCommandRun('merge', 'MERGE', location, async () => {
          await reportSourceFiles(sharedEngine, flags.from);
          const source: WriteSource = { files: flags.from };
          const options: MergeOptions = { source, on: flags.on, ...mergeClauses(flags) };
          const gate = await tableGate(location);
          if (gate !== undefined) {
            const target = await IngestTarget.open(location, { engine: await sharedEngine(), stores: tableStores(), gate });
            const { merge, ...result } = await gatedMerge(target, options);
            if (flags.format === 'json') printJson({ location, ...merge, quarantined: result.quarantined, warnings: result.warnings ?? [] });
            else {
              report(location, merge, flags.format);
              printText([`${result.quarantined} source rows quarantined by the table's quality gate.`, ...gateWarningLines(result.warnings ?? [])].join('\n'));
            }
            return;
          }
          report(
            location,
            await withProgress('merge', flags.format, (onProgress) =>
              DeltaTable.open(location, { stores: tableStores() }).then((t) => t.merge({ ...options, onProgress })),
            ),
            flags.format,
          );
        }),
    );
}

function mergeClauses(flags: {
  upsert?: boolean;
  deleteMatched?: string | true;
  deleteMissing?: string | true;
  clauses?: string;
}): Omit<MergeOptions, 'source' | 'on'> {
  if (flags.clauses !== undefined) {
    if (flags.upsert === true || flags.deleteMatched !== undefined || flags.deleteMissing !== undefined) {
      throw new CliUsageError(
        '--clauses says everything itself: it does not go with --upsert, --delete-matched or --delete-missing.',
        flags.clauses,
        'Use either --clauses, or the shorthand flags.',
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(flags.clauses);
    } catch (error) {
      throw new CliUsageError(
        `--clauses is not JSON: ${(error as Error).message}`,
        flags.clauses,
        'Quote the JSON for the shell, e.g. --clauses \'{"whenMatched": [{"delete": true}]}\'.',
      );
    }
    return parseMergeClauses(parsed, flags.clauses);
  }
  const condition = (value: string | true) => (value === true ? {} : { condition: value });
  const out: {
    whenMatched: NonNullable<MergeOptions['whenMatched']>[number][];
    whenNotMatched: NonNullable<MergeOptions['whenNotMatched']>[number][];
    whenNotMatchedBySource: NonNullable<MergeOptions['whenNotMatchedBySource']>[number][];
  } = { whenMatched: [], whenNotMatched: [], whenNotMatchedBySource: [] };
  if (flags.deleteMatched !== undefined) out.whenMatched.push({ ...condition(flags.deleteMatched), delete: true });
  if (flags.upsert === true) {
    out.whenMatched.push({ update: '*' });
    out.whenNotMatched.push({ insert: '*' });
  }
  if (flags.deleteMissing !== undefined) out.whenNotMatchedBySource.push({ ...condition(flags.deleteMissing), delete: true });
  if (out.whenMatched.length + out.whenNotMatched.length + out.whenNotMatchedBySource.length === 0) {
    throw new CliUsageError('The merge says nothing to do.', undefined, 'Add --upsert, --delete-matched, --delete-missing or --clauses.');
  }
  return out;
}
