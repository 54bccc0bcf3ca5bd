import Table from 'cli-table3';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import { LineageLog, type OpenLineageRunEvent } from '../../lineage/index.js';
import { Project } from '../../project/index.js';
import { closeAtExit } from '../close-at-exit.js';
import { choice } from '../options.js';
import { printJson, printText } from '../output/print.js';

const EVENTS_HELP = `
Formats:
  jsonl  one event per line, exactly the JSON an OpenLineage endpoint is sent (pipe it to one)
  json   an array of the events
  table  time, event type, job, run and the datasets read and written

Example:
  aquifer lineage events --since 2026-01-01T00:00:00Z --format jsonl | head`;

interface EventsFlags {
  project: string;
  since?: string;
  run?: string;
  job?: string;
  format: 'jsonl' | 'json' | 'table';
}

export function registerLineageEvents(lineage: Command): void {
  lineage
    .command('events')
    .description("Print the project's lineage events in the order they were recorded.")
    .option('--project <dir>', 'project folder', '.')
    .option('--since <time>', 'only events at or after this ISO 8601 time')
    .option('--run <id>', 'only the events of this run')
    .option('--job <name>', 'only the events of this job')
    .option('--format <format>', 'jsonl, json or table', choice(['jsonl', 'json', 'table'] as const), 'table')
    .addHelpText('after', EVENTS_HELP)
    .action(async (flags: EventsFlags) => {
      // Reading the log records nothing, so the project is opened without a recorder.
      const project = closeAtExit(await Project.open(flags.project));
      const log = LineageLog.forProject(project, await sharedEngine());
      const filter = {
        ...(flags.since === undefined ? {} : { since: parseSince(flags.since) }),
        ...(flags.run === undefined ? {} : { runId: flags.run }),
        ...(flags.job === undefined ? {} : { job: flags.job }),
      };
      if (flags.format === 'jsonl') {
        const texts = await log.texts(filter);
        if (texts.length > 0) process.stdout.write(`${texts.join('\n')}\n`);
        return;
      }
      const events = await log.events(filter);
      if (flags.format === 'json') printJson(events);
      else printText(eventTable(events));
    });
}

function parseSince(text: string): Date {
  const time = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? new Date(text) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime()))
    throw new AquiferError('LINEAGE_FILTER_INVALID', `--since ${text} is not an ISO 8601 time`, {
      value: text,
      hint: 'Give a time such as 2026-01-31 or 2026-01-31T12:00:00Z.',
    });
  return time;
}

function eventTable(events: readonly OpenLineageRunEvent[]): string {
  if (events.length === 0) return 'No lineage events.';
  const rows = new Table({ head: ['time', 'type', 'job', 'run', 'inputs', 'outputs'], style: { head: [], border: [] }, wordWrap: true });
  const datasets = (list: readonly { namespace: string; name: string }[]) => list.map((d) => `${d.namespace}:${d.name}`).join('\n');
  for (const e of events) rows.push([e.eventTime, e.eventType, e.job.name, e.run.runId, datasets(e.inputs), datasets(e.outputs)]);
  return rows.toString();
}
