import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import { AuditLog, DEFAULT_AUDIT_LIMIT, type AuditEntry, type AuditLogFilter } from '../../audit/index.js';
import { sharedEngine } from '../../engine/index.js';
import { Project } from '../../project/index.js';
import { closeAtExit } from '../close-at-exit.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { printJson, printText } from '../output/print.js';

const SUMMARY = 'The audit log: every server request and CLI write (who, what, which table, when, result), newest first.';

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description(SUMMARY);
  audit
    .command('list')
    .description('Audit entries, newest first: who (token id or OS user), what (route or command), table, version and rows written, status.')
    .option('--project <dir>', 'project folder', '.')
    .option('--table <name>', 'entries naming this table or writing it')
    .option('--since <time>', 'entries at or after this ISO 8601 time', parseSince)
    .option('--principal <id>', 'entries of this token id or OS user')
    .option('--limit <n>', `at most this many, the newest (default ${DEFAULT_AUDIT_LIMIT})`, parseNonNegativeInt)
    .option('--format <format>', 'table or json', choice(['table', 'json'] as const), 'table')
    .action(async (flags: { project: string; table?: string; since?: Date; principal?: string; limit?: number; format: 'table' | 'json' }) => {
      // Reading the log records nothing: the project is opened without a recorder.
      const project = closeAtExit(await Project.open(flags.project));
      const filter: AuditLogFilter = {};
      if (flags.table !== undefined) filter.table = flags.table;
      if (flags.since !== undefined) filter.since = flags.since;
      if (flags.principal !== undefined) filter.principal = flags.principal;
      if (flags.limit !== undefined) filter.limit = flags.limit;
      const entries = await AuditLog.forProject(project, await sharedEngine()).list(filter);
      if (flags.format === 'json') printJson({ entries: entries.map((e) => ({ ...e, time: e.time.toISOString() })) });
      else printText(entriesTable(entries));
    });
}

function parseSince(text: string): Date {
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new InvalidArgumentError(`'${text}' is not an ISO 8601 time.`);
  return new Date(time);
}

function entriesTable(entries: readonly AuditEntry[]): string {
  if (entries.length === 0) return '(no audit entries)';
  const table = new Table({ head: ['time', 'principal', 'action', 'table', 'version', 'rows', 'status', 'ms'] });
  for (const e of entries)
    table.push([
      e.time.toISOString(),
      e.role === undefined ? e.principal : `${e.principal} (${e.role})`,
      e.action,
      e.table ?? e.model ?? e.asset ?? '',
      e.version ?? '',
      e.rows ?? '',
      e.errorCode === undefined ? e.status : `${e.status} ${e.errorCode}`,
      Math.round(e.durationMs),
    ]);
  return table.toString();
}
