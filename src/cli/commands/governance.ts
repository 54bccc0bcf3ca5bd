import Table from 'cli-table3';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { governanceReport, type GovernanceReport } from '../../governance/index.js';
import { Project } from '../../project/index.js';
import { closeAtExit } from '../close-at-exit.js';
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
}

function reportTable(report: GovernanceReport): string {
  if (report.columns.length === 0) return '(no tagged columns)';
  const table = new Table({ head: ['table', 'column', 'tags', 'declared', 'path'] });
  for (const c of report.columns) table.push([c.table, c.column, c.tags.join(', '), c.declared ? 'yes' : 'derived', (c.path ?? []).join(' → ')]);
  return table.toString();
}
