import { CliUsageError } from '../usage-error.js';
import type { Command } from 'commander';
import { DeltaTable, type CreateOptions, type FileFormat, type OverwriteOptions, type WriteResult, type WriteSource } from '../../table/index.js';
import { choice, collect, collectProperty, parseList, parseNonNegativeInt } from '../options.js';
import { ProgressBar } from '../output/progress.js';
import { formatBytes, printJson, printText, type InfoFormat } from '../output/print.js';
import { gateWarningLines, tableCommandRun, tableGate, tableStores } from '../table-location.js';
import { sharedEngine } from '../../engine/index.js';
import { gatedAppend, gatedOverwrite, IngestTarget, reportSourceFiles, type BatchResult } from '../../ingest/index.js';

interface SourceFlags {
  from: string[];
  inputFormat?: FileFormat;
  delimiter?: string;
  format: InfoFormat;
  appId?: string;
  txnVersion?: number;
  targetFileSize?: number;
}

function sourceOf(flags: SourceFlags): WriteSource {
  const source: WriteSource = { files: flags.from };
  if (flags.inputFormat !== undefined) source.format = flags.inputFormat;
  if (flags.delimiter !== undefined) source.csv = { delimiter: flags.delimiter };
  return source;
}

function withSourceOptions(command: Command): Command {
  return command
    .requiredOption('--from <file>', 'input file or glob (CSV, JSON lines or Parquet); repeat for more', collect, [])
    .option('--input-format <format>', 'csv, json or parquet (default: from the file name)', choice(['csv', 'json', 'parquet'] as const))
    .option('--delimiter <char>', 'CSV field delimiter (default: comma; tab for .tsv)')
    .option('--app-id <id>', 'exactly-once: the writing application (with --txn-version)')
    .option('--txn-version <n>', "exactly-once: this write's version for --app-id; a repeat is skipped", parseNonNegativeInt)
    .option('--target-file-size <bytes>', 'roll data files at about this size', parseNonNegativeInt)
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text');
}

function writeOptions(flags: SourceFlags, progress: ProgressBar) {
  const options: { txn?: { appId: string; version: number }; targetFileSize?: number; onProgress: (f: number) => void } = {
    onProgress: (f) => progress.update(f),
  };
  if (flags.appId !== undefined || flags.txnVersion !== undefined) {
    if (flags.appId === undefined || flags.txnVersion === undefined)
      throw new CliUsageError('--app-id and --txn-version go together.', undefined, 'See --help.');
    options.txn = { appId: flags.appId, version: flags.txnVersion };
  }
  if (flags.targetFileSize !== undefined) options.targetFileSize = flags.targetFileSize;
  return options;
}

function report(verb: string, location: string, result: WriteResult, format: InfoFormat): void {
  if (format === 'json') {
    printJson({ location, ...result });
    return;
  }
  if (result.skipped) {
    printText(`Skipped: this application's transaction was already committed; ${location} stays at version ${result.version}.`);
    return;
  }
  const removed = result.filesRemoved > 0 ? `, replacing ${result.filesRemoved} file${result.filesRemoved === 1 ? '' : 's'}` : '';
  printText(
    `${verb} ${result.rows} rows in ${result.filesAdded} file${result.filesAdded === 1 ? '' : 's'} (${formatBytes(result.bytes)})${removed}: ${location} is at version ${result.version}.`,
  );
}

/** A write through a table's quality gate: rows written, rows quarantined, the gate's warnings. */
export function reportGated(verb: string, location: string, result: BatchResult, format: InfoFormat): void {
  const { groups: _groups, ...shown } = result;
  if (format === 'json') {
    printJson({ location, ...shown, warnings: result.warnings ?? [] });
    return;
  }
  printText(
    [
      result.skipped
        ? `Skipped: this application's transaction was already committed; ${location} stays at version ${result.version}.`
        : `${verb} ${result.accepted} rows, ${result.quarantined} quarantined by the table's quality gate: ${location} is at version ${result.version}.`,
      ...gateWarningLines(result.warnings ?? []),
    ].join('\n'),
  );
}

export function registerTableWrites(table: Command): void {
  withSourceOptions(
    table
      .command('create')
      .description('Create a Delta table from CSV, JSON lines or Parquet files (schema inferred), or an empty one from --schema.')
      .argument('<path>', 'where the table root goes'),
  )
    .option('--partition-by <a,b>', 'partition columns', parseList)
    .option('--property <key=value>', 'table property, e.g. delta.appendOnly=true; repeatable', collectProperty, {})
    .option('--name <name>', 'table name')
    .option('--description <text>', 'table description')
    .action(async (location: string, flags: SourceFlags & { partitionBy?: string[]; property: Record<string, string>; name?: string; description?: string }) =>
      tableCommandRun('create', 'CREATE TABLE AS SELECT', location, async () => {
        await reportSourceFiles(sharedEngine, flags.from);
        const progress = new ProgressBar('create', flags.format === 'text' && process.stderr.isTTY === true);
        try {
          const options: CreateOptions = { ...writeOptions(flags, progress), data: sourceOf(flags), properties: flags.property };
          if (flags.partitionBy !== undefined) options.partitionColumns = flags.partitionBy;
          if (flags.name !== undefined) options.name = flags.name;
          if (flags.description !== undefined) options.description = flags.description;
          const { result } = await DeltaTable.create(location, { ...options, stores: tableStores() });
          progress.stop();
          report('Created the table with', location, result, flags.format);
        } finally {
          progress.stop();
        }
      }),
    );

  withSourceOptions(
    table.command('append').description('Append rows from CSV, JSON lines or Parquet files in one atomic commit.').argument('<path>', 'table root'),
  )
    .option('--merge-schema', 'schema evolution: add columns the table lacks (nullable) and widen types where delta.enableTypeWidening=true')
    .action((location: string, flags: SourceFlags & { mergeSchema?: boolean }) =>
      tableCommandRun('append', 'WRITE', location, async () => {
        await reportSourceFiles(sharedEngine, flags.from);
        const gate = await tableGate(location);
        if (gate !== undefined) {
          if (flags.mergeSchema === true)
            throw new CliUsageError('--merge-schema does not go with a gated table: its suite is written for its columns.', location, 'Alter the table first.');
          const target = await IngestTarget.open(location, { engine: await sharedEngine(), stores: tableStores(), gate });
          const { txn } = writeOptions(flags, new ProgressBar('append', false));
          reportGated('Appended', location, await gatedAppend(target, sourceOf(flags), txn === undefined ? {} : { txn }), flags.format);
          return;
        }
        const progress = new ProgressBar('append', flags.format === 'text' && process.stderr.isTTY === true);
        try {
          const result = await (
            await DeltaTable.open(location, { stores: tableStores() })
          ).append(sourceOf(flags), { ...writeOptions(flags, progress), ...(flags.mergeSchema === true ? { mergeSchema: true } : {}) });
          progress.stop();
          report('Appended', location, result, flags.format);
        } finally {
          progress.stop();
        }
      }),
    );

  withSourceOptions(
    table.command('overwrite').description('Replace all rows, or the partitions matching --where, in one atomic commit.').argument('<path>', 'table root'),
  )
    .option('--where <sql>', 'replace only the partitions matching this predicate over partition columns')
    .option('--merge-schema', 'schema evolution: add columns the table lacks (nullable) and widen types where delta.enableTypeWidening=true')
    .option('--overwrite-schema', "replace the table's schema with the data's (whole-table overwrite only)")
    .option('--partition-by <a,b>', 'with --overwrite-schema: the new partition columns', parseList)
    .action((location: string, flags: SourceFlags & { where?: string; mergeSchema?: boolean; overwriteSchema?: boolean; partitionBy?: string[] }) =>
      tableCommandRun('overwrite', 'WRITE', location, async () => {
        await reportSourceFiles(sharedEngine, flags.from);
        const gate = await tableGate(location);
        if (gate !== undefined) {
          if (flags.mergeSchema === true || flags.overwriteSchema === true)
            throw new CliUsageError(
              `${flags.mergeSchema === true ? '--merge-schema' : '--overwrite-schema'} does not go with a gated table: its suite is written for its columns.`,
              location,
              'Alter the table first, or detach its suite (aquifer quality detach).',
            );
          const target = await IngestTarget.open(location, { engine: await sharedEngine(), stores: tableStores(), gate });
          reportGated('Wrote', location, await gatedOverwrite(target, sourceOf(flags), flags.where === undefined ? {} : { where: flags.where }), flags.format);
          return;
        }
        const progress = new ProgressBar('overwrite', flags.format === 'text' && process.stderr.isTTY === true);
        try {
          const options: OverwriteOptions = writeOptions(flags, progress);
          if (flags.where !== undefined) options.where = flags.where;
          if (flags.mergeSchema === true) options.mergeSchema = true;
          if (flags.overwriteSchema === true) options.overwriteSchema = true;
          if (flags.partitionBy !== undefined) {
            if (flags.overwriteSchema !== true)
              throw new CliUsageError(
                '--partition-by goes with --overwrite-schema: an overwrite keeps the partitioning otherwise.',
                flags.partitionBy,
                'Add --overwrite-schema, or drop --partition-by.',
              );
            options.partitionColumns = flags.partitionBy;
          }
          const result = await (await DeltaTable.open(location, { stores: tableStores() })).overwrite(sourceOf(flags), options);
          progress.stop();
          report('Wrote', location, result, flags.format);
        } finally {
          progress.stop();
        }
      }),
    );
}
