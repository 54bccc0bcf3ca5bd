import type { Command } from 'commander';
import { DeltaTable } from '../../table/index.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { ProgressBar } from '../output/progress.js';
import { formatBytes, printJson, printText, type InfoFormat } from '../output/print.js';
import { CliUsageError } from '../usage-error.js';
import { tableCommandRun, tableStores } from '../table-location.js';
import { reportTableRead } from '../../observe/index.js';

export function registerTableMaintenance(table: Command): void {
  table
    .command('optimize')
    .description('Compact small files (and fold deletion vectors) by bin-packing per partition, in one commit that changes no data.')
    .argument('<path>', 'table root')
    .option('--where <sql>', 'only the partitions matching this predicate over partition columns')
    .option('--target-file-size <bytes>', 'the size compacted files aim at (default 128 MiB, or delta.targetFileSize)', parseNonNegativeInt)
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action((location: string, flags: { where?: string; targetFileSize?: number; format: InfoFormat }) =>
      tableCommandRun('optimize', 'OPTIMIZE', location, async () => {
        const progress = new ProgressBar('optimize', flags.format === 'text' && process.stderr.isTTY === true);
        try {
          const result = await (
            await DeltaTable.open(location, { stores: tableStores() })
          ).optimize({
            onProgress: (f) => progress.update(f),
            ...(flags.where === undefined ? {} : { where: flags.where }),
            ...(flags.targetFileSize === undefined ? {} : { targetFileSize: flags.targetFileSize }),
          });
          progress.stop();
          if (flags.format === 'json') printJson({ location, ...result });
          else if (!result.committed) printText(`Nothing to compact: ${location} stays at version ${result.version}.`);
          else
            printText(
              `Compacted ${result.filesRemoved} files (${formatBytes(result.bytesRemoved)}) into ${result.filesAdded} (${formatBytes(result.bytesAdded)}) in ${result.partitionsOptimized} partition(s): ${location} is at version ${result.version}.`,
            );
        } finally {
          progress.stop();
        }
      }),
    );

  table
    .command('vacuum')
    .description('Delete files no version within the retention needs (delta.deletedFileRetentionDuration, 7 days by default). Run with --dry-run first.')
    .argument('<path>', 'table root')
    .option('--retention-hours <n>', 'keep files removed less than this many hours ago', parseNonNegativeInt)
    .option('--dry-run', 'list the files that would be deleted; delete nothing')
    .option('--force', "allow a retention below the table's (older versions become unreadable)")
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action((location: string, flags: { retentionHours?: number; dryRun?: boolean; force?: boolean; format: InfoFormat }) =>
      tableCommandRun('vacuum', 'VACUUM', location, async (run) => {
        const table = await DeltaTable.open(location, { stores: tableStores() });
        const snapshot = await table.snapshot();
        const result = await table.vacuum({
          ...(flags.retentionHours === undefined ? {} : { retentionHours: flags.retentionHours }),
          dryRun: flags.dryRun === true,
          force: flags.force === true,
        });
        // Vacuum commits nothing: the version it cleaned up after is its input, what it deleted its parameters.
        reportTableRead({ location: table.location, version: snapshot.version });
        run.addParameters({
          filesDeleted: String(result.dryRun ? 0 : result.files.length),
          bytesDeleted: String(result.dryRun ? 0 : result.bytes),
          dryRun: String(result.dryRun),
        });
        if (flags.format === 'json') {
          printJson({ location, ...result });
          return;
        }
        for (const file of result.files) printText(`${result.dryRun ? 'would delete' : 'deleted'} ${file}`);
        printText(
          `${result.dryRun ? 'Would delete' : 'Deleted'} ${result.files.length} files (${formatBytes(result.bytes)}) older than the ${result.retentionHours}-hour retention.`,
        );
      }),
    );

  table
    .command('checkpoint')
    .description(
      'Write a checkpoint of the latest version now (writes make one every delta.checkpointInterval commits), then remove log files past delta.logRetentionDuration that a checkpoint covers.',
    )
    .argument('<path>', 'table root')
    .option('--no-cleanup', 'keep expired log files')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (location: string, flags: { cleanup: boolean; format: InfoFormat }) => {
      const table = await DeltaTable.open(location, { stores: tableStores() });
      const checkpoint = await table.checkpoint();
      const cleanup = flags.cleanup ? await table.cleanupLogs() : undefined;
      if (flags.format === 'json') {
        printJson({ location, checkpoint, removedLogFiles: cleanup?.deleted ?? [] });
        return;
      }
      printText(
        `Checkpointed version ${checkpoint.version} of ${location}: ${checkpoint.numOfAddFiles ?? 0} files, ${checkpoint.size} actions, ${formatBytes(checkpoint.sizeInBytes ?? 0)}.`,
      );
      if (cleanup !== undefined) printText(`Removed ${cleanup.deleted.length} expired log file(s).`);
    });

  table
    .command('restore')
    .description('Make the latest version have the files and schema of an earlier version, in a new commit (history is kept).')
    .argument('<path>', 'table root')
    .option('--version <n>', 'the version to restore', parseNonNegativeInt)
    .option('--timestamp <time>', 'restore the version current at this time')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action((location: string, flags: { version?: number; timestamp?: string; format: InfoFormat }) =>
      tableCommandRun('restore', 'RESTORE', location, async () => {
        if ((flags.version === undefined) === (flags.timestamp === undefined))
          throw new CliUsageError('Name the version to restore with exactly one of --version and --timestamp.', undefined, 'e.g. --version 3');
        const result = await (
          await DeltaTable.open(location, { stores: tableStores() })
        ).restore(flags.version !== undefined ? { version: flags.version } : { timestamp: flags.timestamp as string });
        if (flags.format === 'json') printJson({ location, ...result });
        else
          printText(
            `Restored version ${result.restoredVersion} (${result.filesAdded} files back, ${result.filesRemoved} removed): ${location} is at version ${result.version}.`,
          );
      }),
    );
}
