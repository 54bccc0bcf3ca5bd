import path from 'node:path';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { ingestFiles, IngestTarget } from '../../ingest/index.js';
import { parseRule } from '../rules.js';
import type { FileFormat } from '../../table/index.js';
import { choice, collect, collectProperty, parseList } from '../options.js';
import { ProgressBar } from '../output/progress.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { commandProjectRoot, gateWarningLines, tableGate, tableStores } from '../table-location.js';

interface IngestFileFlags {
  inputFormat?: FileFormat;
  delimiter?: string;
  partitionBy?: string[];
  property: Record<string, string>;
  rule: string[];
  unknownFields: 'quarantine' | 'ignore';
  create: boolean;
  format: InfoFormat;
}

export function registerIngestFile(ingest: Command): void {
  ingest
    .command('file')
    .description(
      "Load CSV, JSON lines or Parquet files into a Delta table, incrementally: files already loaded are skipped (the table's log records them). Bad records go to <table>__quarantine with their reason.",
    )
    .argument('<table>', 'table root (created from the first file when missing)')
    .argument('<files...>', 'paths or globs, e.g. "landing/*.csv"')
    .option('--input-format <format>', 'csv, json or parquet (default: from each file name)', choice(['csv', 'json', 'parquet'] as const))
    .option('--delimiter <char>', 'CSV field delimiter (default , or tab for .tsv)')
    .option('--partition-by <a,b>', 'partition columns when the table is created', parseList)
    .option('--property <key=value>', 'table property when the table is created; repeatable', collectProperty, {})
    .option('--rule <name=sql>', 'a SQL condition every record must meet, e.g. "positive=amount >= 0"; repeatable', collect, [])
    .option(
      '--unknown-fields <policy>',
      'quarantine (default) or ignore fields the table does not have',
      choice(['quarantine', 'ignore'] as const),
      'quarantine',
    )
    .option('--no-create', 'fail instead of creating a missing table')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (table: string, files: string[], flags: IngestFileFlags) => {
      const engine = await sharedEngine();
      const create = flags.create ? { ...(flags.partitionBy === undefined ? {} : { partitionColumns: flags.partitionBy }), properties: flags.property } : false;
      const target = await IngestTarget.open(table, {
        engine,
        createIfMissing: create,
        stores: tableStores(),
        gate: await tableGate(table),
        project: await commandProjectRoot(),
      });
      const progress = new ProgressBar('ingest', flags.format === 'text' && process.stderr.isTTY === true);
      let done = 0;
      try {
        const result = await ingestFiles(engine, target, {
          files,
          ...(flags.inputFormat === undefined ? {} : { format: flags.inputFormat }),
          ...(flags.delimiter === undefined ? {} : { csv: { delimiter: flags.delimiter } }),
          checks: { rules: flags.rule.map(parseRule), unknownFields: flags.unknownFields },
          onFile: (_file, index, total) => {
            done = index + 1;
            progress.update(done / total);
          },
        });
        progress.stop();
        if (flags.format === 'json') {
          printJson({ table: target.location, ...result });
          return;
        }
        const shown = (file: string) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));
        const lines = result.files.map((f) => `  ${shown(f.file)}: ${f.accepted} rows loaded, ${f.quarantined} quarantined (version ${f.version})`);
        printText(
          [
            `Loaded ${result.files.length} new file${result.files.length === 1 ? '' : 's'} into ${target.location}${result.alreadyLoaded > 0 ? ` (${result.alreadyLoaded} already loaded, skipped)` : ''}: ${result.accepted} rows, ${result.quarantined} quarantined.`,
            ...lines,
            ...result.warnings.flatMap((w) => gateWarningLines(w.warnings).map((line) => `  ${shown(w.file)}: ${line}`)),
            ...(result.quarantined > 0 ? [`See them with: aquifer quarantine list ${table}`] : []),
          ].join('\n'),
        );
      } finally {
        progress.stop();
      }
    });
}
