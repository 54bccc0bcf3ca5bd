import Table from 'cli-table3';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { enforceRetention, governanceReport, type GovernanceReport, type RetentionReport } from '../../governance/index.js';
import { Project } from '../../project/index.js';
import { closeAtExit } from '../close-at-exit.js';
import { openCommandProject } from '../command-project.js';
import { choice } from '../options.js';
import { printJson, printText } from '../output/print.js';

export function registerGovernance(program: Command): void {
  const governance = program.command('governance').description('Governance: column tags (pii, sensitive) and where tagged data flowed.');
  governance
    .command('report')
    .description(
      'Every tagged column in the project: declared in table metadata, and derived from a pii or sensitive column through column lineage, with the path.',
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'table or json', choice(['table', 'json'] as const), 'table')
    .action(async (flags: { project: string; format: 'table' | 'json' }) => {
      // Reading the report records nothing, so the project is opened without a recorder.
      const project = closeAtExit(await Project.open(flags.project));
      const report = await governanceReport(project, await sharedEngine());
      if (flags.format === 'json') printJson(report);
      else printText(reportTable(report));
    });
  governance
    .command('enforce')
    .description(
      'Delete the rows past their retention period (governance.retention per table and per tag, audit.retentionDays), rewrite the files that held them, and report per table what was removed.',
    )
    .option('--project <dir>', 'project folder', '.')
    .option('--dry-run', 'count the rows past their period, change nothing')
    .option('--format <format>', 'table or json', choice(['table', 'json'] as const), 'table')
    .action(async (flags: { project: string; dryRun?: boolean; format: 'table' | 'json' }) => {
      // Opened with its recorders: the deletes are lineage, and the command is audited.
      const project = await openCommandProject(flags.project);
      const report = await enforceRetention(project, await sharedEngine(), { dryRun: flags.dryRun === true });
      if (flags.format === 'json') printJson(report);
      else printText(retentionTable(report));
    });
}

function retentionTable(report: RetentionReport): string {
  const lines: string[] = [];
  if (report.tables.length === 0) lines.push('(no retention rules apply: set governance.retention or audit.retentionDays in aquifer.json)');
  else {
    const table = new Table({ head: ['table', 'rules', report.dryRun ? 'rows past period' : 'rows deleted', 'version', 'rewrite version'] });
    for (const t of report.tables)
      table.push([
        t.table,
        t.rules.map((r) => `${r.source}: ${r.column} < ${r.cutoff} (${r.days} d)`).join('\n'),
        report.dryRun ? t.rowsExpired : t.rowsDeleted,
        t.version ?? '',
        t.rewriteVersion ?? '',
      ]);
    lines.push(table.toString());
  }
  for (const s of report.skipped) lines.push(`skipped ${s.table} (${s.source}): ${s.reason}`);
  if (report.dryRun) lines.push('dry run: nothing was deleted');
  return lines.join('\n');
}

function reportTable(report: GovernanceReport): string {
  if (report.columns.length === 0) return '(no tagged columns)';
  const table = new Table({ head: ['table', 'column', 'tags', 'declared', 'path'] });
  for (const c of report.columns) table.push([c.table, c.column, c.tags.join(', '), c.declared ? 'yes' : 'derived', (c.path ?? []).join(' → ')]);
  return table.toString();
}
