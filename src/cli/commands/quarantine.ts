import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { CliUsageError } from '../usage-error.js';
import { sharedEngine } from '../../engine/index.js';
import { quarantineLocation, replayQuarantine } from '../../ingest/index.js';
import { DeltaTable, TableNotFoundError, type ReadOptions } from '../../table/index.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { RowWriter, type RowFormat } from '../output/row-writer.js';
import { commandProjectRoot, tableGate, tableStores } from '../table-location.js';

export function registerQuarantine(program: Command): void {
  const quarantine = program.command('quarantine').description('Records that could not be ingested, kept with their reason in <table>__quarantine.');

  quarantine
    .command('list')
    .description('Show quarantined records of a table: reason code, message, source position, raw payload.')
    .argument('<table>', 'table root')
    .option('--reason <code>', 'only this reason (PARSE_ERROR, UNKNOWN_FIELD, TYPE_MISMATCH, MISSING_REQUIRED, RULE_FAILED, FILE_SCHEMA_MISMATCH)')
    .option('--where <sql>', 'SQL filter over the quarantine columns')
    .option('--limit <n>', 'at most this many records', parseNonNegativeInt)
    .option('--format <format>', 'table, jsonl, csv or json', choice(['table', 'jsonl', 'csv', 'json'] as const), 'table')
    .action(async (table: string, flags: { reason?: string; where?: string; limit?: number; format: RowFormat }) => {
      const q = await DeltaTable.open(quarantineLocation(table), { engine: await sharedEngine(), stores: tableStores() });
      // A table that never quarantined anything has no quarantine table: an empty list.
      if ((await q.logState().catch((error: unknown) => (error instanceof TableNotFoundError ? undefined : Promise.reject(error)))) === undefined) {
        await (await DeltaTable.open(table, { engine: await sharedEngine(), stores: tableStores() })).snapshot();
        new RowWriter(process.stdout, flags.format, ['record_id', 'quarantined_at', 'reason', 'message', 'source', 'payload']).end();
        return;
      }
      const filters = [flags.where, flags.reason === undefined ? undefined : `reason = '${flags.reason.replaceAll("'", "''")}'`].filter(
        (f): f is string => f !== undefined,
      );
      const options: ReadOptions = { columns: ['record_id', 'quarantined_at', 'reason', 'message', 'source', 'payload'] };
      if (filters.length > 0) options.where = filters.map((f) => `(${f})`).join(' AND ');
      if (flags.limit !== undefined) options.limit = flags.limit;
      const scan = await q.scan(options);
      const writer = new RowWriter(process.stdout, flags.format, (await scan.plan()).columns);
      writer.start();
      for await (const chunk of scan.stream()) writer.write(chunk.rows);
      writer.end();
    });

  quarantine
    .command('replay')
    .description(
      'Try quarantined records again (after a schema or rule change, or with corrected payloads): those that pass are appended to the table and leave the quarantine.',
    )
    .argument('<table>', 'table root')
    .option('--where <sql>', 'which records, e.g. "reason = \'TYPE_MISMATCH\'"')
    .option('--fixes <file>', 'JSON lines of {"record_id": ..., "payload": ...} with corrected payloads')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (table: string, flags: { where?: string; fixes?: string; format: InfoFormat }) => {
      const fixes = flags.fixes === undefined ? undefined : await readFixes(flags.fixes);
      const result = await replayQuarantine(table, await sharedEngine(), {
        stores: tableStores(),
        gate: await tableGate(table),
        project: await commandProjectRoot(),
        ...(flags.where === undefined ? {} : { where: flags.where }),
        ...(fixes === undefined ? {} : { fixes }),
      });
      if (flags.format === 'json') printJson(result);
      else
        printText(
          `Tried ${result.tried} quarantined records: ${result.replayed} replayed into ${table}${result.tableVersion === undefined ? '' : ` (version ${result.tableVersion})`}, ${result.stillQuarantined} still quarantined.`,
        );
    });
}

async function readFixes(file: string): Promise<Map<string, string>> {
  const fixes = new Map<string, string>();
  const lines = (await fs.readFile(file, 'utf8')).split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let parsed: { record_id?: unknown; payload?: unknown };
    try {
      parsed = JSON.parse(line) as { record_id?: unknown; payload?: unknown };
    } catch {
      throw new CliUsageError(`Line ${index + 1} of ${file} is not JSON`, file, 'Give one JSON object per line: {"record_id": "...", "payload": {...}}.');
    }
    if (typeof parsed.record_id !== 'string')
      throw new CliUsageError(`Line ${index + 1} of ${file} has no record_id`, file, 'Each line needs the record_id shown by `aquifer quarantine list`.');
    fixes.set(parsed.record_id, typeof parsed.payload === 'string' ? parsed.payload : JSON.stringify(parsed.payload));
  });
  return fixes;
}
