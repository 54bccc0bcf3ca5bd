import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { DeltaTable } from '../../table/index.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { RowWriter, type RowFormat } from '../output/row-writer.js';
import { tableStores } from '../table-location.js';

export function registerTableChanges(table: Command): void {
  table
    .command('changes')
    .description(
      'Read the change data feed (delta.enableChangeDataFeed=true) between versions: the changed rows with _change_type, _commit_version and _commit_timestamp.',
    )
    .argument('<path>', 'table root')
    .requiredOption('--from <version>', 'first version to read changes of', parseNonNegativeInt)
    .option('--to <version>', 'last version (default: the latest)', parseNonNegativeInt)
    .option('--format <format>', 'table, jsonl, csv or json', choice(['table', 'jsonl', 'csv', 'json'] as const), 'table')
    .action(async (location: string, flags: { from: number; to?: number; format: RowFormat }) => {
      const engine = await sharedEngine();
      const changes = await (
        await DeltaTable.open(location, { engine, stores: tableStores() })
      ).changes({ from: flags.from, ...(flags.to === undefined ? {} : { to: flags.to }) });
      let writer: RowWriter | undefined;
      for await (const chunk of engine.stream(changes.sql)) {
        if (writer === undefined) {
          writer = new RowWriter(process.stdout, flags.format, chunk.columns, changes.fields);
          writer.start();
        }
        writer.write(chunk.rows);
      }
      if (writer === undefined) {
        writer = new RowWriter(process.stdout, flags.format, []);
        writer.start();
      }
      writer.end();
    });
}
