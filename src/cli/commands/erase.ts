import Table from 'cli-table3';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { erase, EraseInvalidError, type ErasureReport } from '../../governance/index.js';
import { Project } from '../../project/index.js';
import { closeAtExit } from '../close-at-exit.js';
import { choice, collect } from '../options.js';
import { printJson, printText } from '../output/print.js';

interface EraseFlags {
  project: string;
  entity: string[];
  where?: string;
  dryRun?: boolean;
  format: 'table' | 'json';
}

export function registerErase(program: Command): void {
  program
    .command('erase')
    .description(
      'Erase an entity (or rows matching SQL) from every copy in the project: tables found by entity columns and lineage, quarantines, prediction logs, training sets, online store keys and tiles; then rewrite and vacuum at once, and prove it by scanning every remaining file.',
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--entity <column=value>', 'an entity key column (or entity name) and value; repeat for more', collect, [])
    .option('--where <sql>', 'a SQL predicate: every table it can be evaluated on is erased from')
    .option('--dry-run', 'list every place (table, rows, files, online keys) and change nothing')
    .option('--format <format>', 'table or json', choice(['table', 'json'] as const), 'table')
    .action(async (flags: EraseFlags) => {
      const entities = flags.entity.map((pair) => {
        const at = pair.indexOf('=');
        if (at <= 0) throw new EraseInvalidError(`--entity takes column=value, not '${pair}'`, pair, 'Give --entity user_id=u123.');
        return { column: pair.slice(0, at), value: pair.slice(at + 1) };
      });
      const project = closeAtExit(await Project.open(flags.project));
      const report = await erase(
        project,
        await sharedEngine(),
        { entities, ...(flags.where === undefined ? {} : { where: flags.where }) },
        { dryRun: flags.dryRun === true },
      );
      if (flags.format === 'json') printJson(report);
      else printText(reportText(report));
    });
}

function reportText(report: ErasureReport): string {
  const places = new Table({ head: ['place', 'kind', 'matched on', 'rows', 'files', report.dryRun ? '' : 'purged'] });
  for (const t of report.tables)
    places.push([
      t.name,
      t.kind,
      t.matchedOn.join(', '),
      String(t.rows),
      String(t.files.length),
      t.purged === undefined ? '' : `${t.purged.filesRewritten} rewritten, ${t.purged.filesVacuumed} vacuumed, log from v${t.purged.checkpointVersion}`,
    ]);
  for (const o of report.online)
    places.push([`online:${o.view}`, 'online store', 'entity key', String(o.stored), '', o.deleted === undefined ? '' : `${o.deleted} keys deleted`]);
  const lines = [report.tables.length + report.online.length === 0 ? '(nothing holds it)' : places.toString()];
  if (report.dryRun) lines.push(`dry run: nothing changed; the proof scan would look for ${report.values} values`);
  else if (report.proof !== undefined)
    lines.push(`proof: ${report.proof.files} files scanned (${report.proof.roots.join(', ')}) for ${report.values} values: no hits. Erasure ${report.id}.`);
  if (report.shortValues > 0) lines.push(`note: ${report.shortValues} values shorter than 4 bytes were looked for only as decoded Parquet values`);
  return lines.join('\n');
}
