import type { Command } from 'commander';
import { tagColumns } from '../../governance/index.js';
import { DeltaTable } from '../../table/index.js';
import { choice } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { tableCommandRun, tableStores } from '../table-location.js';

const TAG_HELP = `
Tags: pii, pii:<kind> (email, id, name, phone, address, ...), sensitive, or your own
(letters, digits, _ and -, at most one ':'). They are kept in the column's Delta metadata
under aquifer.tags, in one metadata-only commit; pii and sensitive follow the data into
derived columns (aquifer governance report).

Examples:
  aquifer table tag users email pii:email
  aquifer table tag users email pii:email --remove`;

export function registerTableTag(table: Command): void {
  table
    .command('tag')
    .description("Tag a column (pii, pii:<kind>, sensitive, custom) in the table's Delta column metadata, in one commit.")
    .argument('<path>', 'table root')
    .argument('<column>', 'the column (or a.b for a nested field)')
    .argument('<tags...>', 'the tags to add (or remove)')
    .option('--remove', 'remove these tags instead of adding them')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .addHelpText('after', TAG_HELP)
    .action((location: string, column: string, tags: string[], flags: { remove?: boolean; format: InfoFormat }) =>
      tableCommandRun('tag', 'CHANGE COLUMNS', location, async () => {
        const delta = await DeltaTable.open(location, { stores: tableStores() });
        const result = await tagColumns(delta, { [column]: tags }, { remove: flags.remove === true });
        const now = result.columns[column] ?? [];
        if (flags.format === 'json') printJson({ location, version: result.version, column, tags: now });
        else printText(`${column} of ${location} is tagged ${now.length === 0 ? '(none)' : now.join(', ')} at version ${result.version}.`);
      }),
    );
}
