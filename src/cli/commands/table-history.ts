import Table from 'cli-table3';
import type { Command } from 'commander';
import { DeltaTable } from '../../table/index.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { tableStores } from '../table-location.js';

export function registerTableHistory(table: Command): void {
  table
    .command('history')
    .description('List the commits of a table, newest first: version, time, operation, parameters and metrics.')
    .argument('<path>', 'table root')
    .option('--limit <n>', 'only the newest n commits', parseNonNegativeInt)
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (location: string, flags: { limit?: number; format: InfoFormat }) => {
      const history = await (await DeltaTable.open(location, { stores: tableStores() })).history(flags.limit === undefined ? {} : { limit: flags.limit });
      if (flags.format === 'json') {
        printJson(history.map((h) => ({ ...h, timestamp: new Date(h.timestamp).toISOString() })));
        return;
      }
      const rows = new Table({
        head: ['version', 'timestamp', 'operation', 'parameters', 'metrics'],
        style: { head: [], border: [] },
        wordWrap: true,
        colWidths: [9, 26, 24, 40, 48],
      });
      for (const h of history) {
        rows.push([
          String(h.version),
          new Date(h.timestamp).toISOString(),
          h.operation ?? '',
          Object.entries(h.operationParameters)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' '),
          Object.entries(h.operationMetrics)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' '),
        ]);
      }
      printText(rows.toString());
    });
}
