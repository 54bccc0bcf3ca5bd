import { CliUsageError } from '../usage-error.js';
import type { Command } from 'commander';
import { DeltaTable, type ReadOptions } from '../../table/index.js';
import { choice, parseList, parseNonNegativeInt } from '../options.js';
import { RowWriter, type RowFormat } from '../output/row-writer.js';
import { commandProjectIfAny, tableStores } from '../table-location.js';
import { Masking, readTags, recordUnmaskedRead, scanAs } from '../../governance/index.js';

function snapshotOf(options: ReadOptions): Pick<ReadOptions, 'version' | 'timestamp'> {
  return {
    ...(options.version === undefined ? {} : { version: options.version }),
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  };
}

interface ReadFlags {
  version?: number;
  timestamp?: string;
  where?: string;
  columns?: string[];
  limit?: number;
  format: RowFormat;
  partitionTimeZone?: string;
  explain?: boolean;
  unmasked?: boolean;
}

const SHOWN_BY_DEFAULT = 20;

export function registerTableRead(table: Command): void {
  table
    .command('read')
    .description('Read rows of a Delta table (any version), filtered and projected; files are pruned by partition values and statistics before any is opened.')
    .argument('<path>', 'table root (the folder holding _delta_log)')
    .option('--version <n>', 'read this version (time travel)', parseNonNegativeInt)
    .option('--timestamp <time>', 'read the version current at this time, e.g. 2024-05-01T12:00:00Z')
    .option('--where <sql>', "SQL filter over the table's columns, e.g. \"country = 'NL' AND amount > 10\"")
    .option('--columns <a,b>', 'columns to return, in this order', parseList)
    .option('--limit <n>', `at most this many rows (table format shows ${SHOWN_BY_DEFAULT} unless told)`, parseNonNegativeInt)
    .option('--format <format>', 'table, jsonl, csv or json', choice(['table', 'jsonl', 'csv', 'json'] as const), 'table')
    .option('--partition-time-zone <zone>', 'zone of zone-less timestamp partition values written by old writers (default UTC)')
    .option('--explain', 'print the files that survive pruning and the DuckDB query instead of rows')
    .option(
      '--unmasked',
      "show personal and sensitive columns in the clear (masked by the project's policy otherwise); recorded with your OS user in .aquifer/unmasked-reads.jsonl",
    )
    .action(async (location: string, flags: ReadFlags) => {
      if (flags.version !== undefined && flags.timestamp !== undefined) {
        throw new CliUsageError('Give --version or --timestamp, not both.', undefined, 'See --help.');
      }
      const table = await DeltaTable.open(location, { stores: tableStores() });
      const options: ReadOptions = {};
      if (flags.version !== undefined) options.version = flags.version;
      if (flags.timestamp !== undefined) options.timestamp = flags.timestamp;
      if (flags.where !== undefined) options.where = flags.where;
      if (flags.columns !== undefined) options.columns = flags.columns;
      if (flags.partitionTimeZone !== undefined) options.partitionTimeZone = flags.partitionTimeZone;
      const limit = flags.limit ?? (flags.format === 'table' ? SHOWN_BY_DEFAULT : undefined);
      if (limit !== undefined) options.limit = limit;
      const project = await commandProjectIfAny();
      const unmasked = flags.unmasked === true;
      const scan = await scanAs(table, project, { unmasked }, options);
      const plan = await scan.plan();
      if (unmasked && project !== undefined) {
        const masking = Masking.forProject(project);
        const tags = await readTags(table, snapshotOf(options));
        const columns = plan.fields.filter((f) => masking.strategy(tags(f)) !== undefined).map((f) => f.name);
        if (columns.length > 0)
          await recordUnmaskedRead(project, { command: 'table read', table: location, version: (await table.snapshot(snapshotOf(options))).version, columns });
      }
      if (flags.explain === true) {
        process.stdout.write(
          `${plan.files.length} of ${plan.totalFiles} files after pruning\n${plan.files.map((f) => `  ${f.path}`).join('\n')}\n\n${plan.sql}\n`,
        );
        return;
      }
      const writer = new RowWriter(process.stdout, flags.format, plan.columns, plan.fields);
      writer.start();
      for await (const chunk of scan.stream()) writer.write(chunk.rows);
      const count = writer.end();
      if (flags.format === 'table' && flags.limit === undefined && count === SHOWN_BY_DEFAULT) {
        process.stderr.write(`(showing the first ${SHOWN_BY_DEFAULT} rows; pass --limit N, or --format jsonl/csv for all)\n`);
      }
    });
}
