import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import Table from 'cli-table3';
import { InvalidArgumentError, type Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import {
  DEFAULT_DRIFT_SHARE,
  DRIFT_METHOD_NAMES,
  driftReport,
  fileRelation,
  isDriftMethodName,
  renderDriftHtml,
  tableRelation,
  type ColumnDriftOptions,
  type DriftRelation,
  type DriftReport,
} from '../../monitor/index.js';
import { DeltaTable } from '../../table/index.js';
import { ExitCode } from '../exit-codes.js';
import { choice, collectProperty, parseList } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { resolveTableArgument, tableStores } from '../table-location.js';
import { CliUsageError } from '../usage-error.js';
import { addModelDriftOptions, modelDriftFromFlags, registerModelQuality, type ModelDriftFlags } from './monitor-model.js';
import { registerMonitorRuns } from './monitor-runs.js';

export const MONITOR_SUMMARY =
  "Monitoring: drift reports that agree with Evidently's DataDriftPreset, computed in DuckDB; the project's monitors (monitors/*.json), their results and alerts.";

const EXIT_CODES = `
Exit codes: 0 success (no dataset drift, no monitor breached); 1 a typed error (its code and a
hint are printed), the dataset drifted, or a monitor breached; 2 the command line was wrong;
3 no monitor breached but one could not run (its result is an error); 70 an unexpected internal error.`;

interface DriftFlags {
  reference?: string;
  referenceWhere?: string;
  referenceFile?: string;
  current?: string;
  currentWhere?: string;
  currentFile?: string;
  columns?: string[];
  driftShare: number;
  method?: Record<string, string>;
  threshold?: Record<string, string>;
  project?: string;
  report?: string;
  format: InfoFormat;
}

/** The `monitor` command group: drift, and the project's monitors (run, list, status). */
export function registerMonitor(program: Command): void {
  const monitor = program.command('monitor').description(MONITOR_SUMMARY).addHelpText('after', EXIT_CODES);
  const drift = monitor
    .command('drift')
    .description(
      "Compare current data with reference data column by column as Evidently's DataDriftPreset does: per column its type, the method Evidently picks (K-S, chi-square or Z up to 1000 reference values; normed Wasserstein or Jensen-Shannon above), the value and whether it drifted; then whether the share of drifted columns reaches --drift-share. Exits 1 when the dataset drifted.",
    )
    .option('--reference <table[@version]>', 'the reference table (a name of the project or a path), at a version')
    .option('--reference-where <sql>', "only the reference rows matching this SQL filter over the table's columns")
    .option('--reference-file <file>', 'a CSV, Parquet or JSON-lines file as the reference instead of a table')
    .option('--current <table[@version]>', 'the current table (a name of the project or a path), at a version')
    .option('--current-where <sql>', "only the current rows matching this SQL filter over the table's columns")
    .option('--current-file <file>', 'a CSV, Parquet or JSON-lines file as the current data instead of a table')
    .option('--columns <a,b>', 'the columns to test (default: every numeric or categorical column of the current data, as Evidently types them)', parseList)
    .option('--drift-share <share>', 'the dataset drifts when at least this share of the columns drift', parseShare, DEFAULT_DRIFT_SHARE)
    .option('--method <column=method>', `a method for one column (repeatable): ${DRIFT_METHOD_NAMES.join(', ')}`, collectProperty)
    .option('--threshold <column=value>', "a threshold for one column (repeatable; default: the method's own)", collectProperty)
    .option('--project <dir>', 'the project whose tables/ a bare table name is in (default: the working folder, when it is one)')
    .option('--report <file>', "also write the report as one self-contained HTML page (readable offline), each column's two distributions drawn")
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: DriftFlags & ModelDriftFlags) => {
      const perColumn = perColumnOptions(flags);
      const common = {
        driftShare: flags.driftShare,
        perColumn,
        ...(flags.columns === undefined ? {} : { columns: flags.columns }),
        distributions: flags.report !== undefined,
      };
      const report =
        flags.model !== undefined
          ? await modelDriftFromFlags(flags, common)
          : await driftReport(await sharedEngine(), {
              reference: await relation('reference', flags.reference, flags.referenceFile, flags.referenceWhere, flags.project),
              current: await relation('current', flags.current, flags.currentFile, flags.currentWhere, flags.project),
              ...common,
            });
      if (flags.report !== undefined) await writeFile(path.resolve(flags.report), renderDriftHtml(report));
      // The pictures' data is the HTML page's; the printed report stays as documented.
      const printed = { ...report, columns: report.columns.map(({ distribution: _distribution, ...column }) => column) };
      if (flags.format === 'json') printJson(printed);
      else printText(renderDrift(printed));
      if (report.dataset.drifted) process.exitCode = ExitCode.FAILED;
    });
  addModelDriftOptions(drift);
  registerModelQuality(monitor);
  registerMonitorRuns(monitor);
}

function parseShare(value: string): number {
  const share = Number(value);
  if (value.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) throw new InvalidArgumentError(`'${value}' is not a share from 0 to 1.`);
  return share;
}

function perColumnOptions(flags: DriftFlags): Record<string, ColumnDriftOptions> {
  const options: Record<string, ColumnDriftOptions> = {};
  for (const [column, method] of Object.entries(flags.method ?? {})) {
    if (!isDriftMethodName(method))
      throw new CliUsageError(`Unknown drift method ${JSON.stringify(method)} for ${column}`, method, `Methods: ${DRIFT_METHOD_NAMES.join(', ')}.`);
    options[column] = { ...options[column], method };
  }
  for (const [column, text] of Object.entries(flags.threshold ?? {})) {
    const threshold = Number(text);
    if (text.trim() === '' || !Number.isFinite(threshold) || threshold < 0)
      throw new CliUsageError(`The threshold ${JSON.stringify(text)} for ${column} is not a number at or above 0`, text, 'Such as --threshold amount=0.2.');
    options[column] = { ...options[column], threshold };
  }
  return options;
}

/** One side: a table at a version (optionally filtered), or a file. */
async function relation(
  side: 'reference' | 'current',
  table: string | undefined,
  file: string | undefined,
  where: string | undefined,
  project: string | undefined,
): Promise<DriftRelation> {
  if ((table === undefined) === (file === undefined))
    throw new CliUsageError(`Give --${side} TABLE[@VERSION] or --${side}-file FILE, one of them`, { table, file }, 'See `aquifer monitor drift --help`.');
  if (file !== undefined) return fileRelation(file, where === undefined ? {} : { where });
  const { name, version } = tableAtVersion(table as string);
  const location = await resolveTableArgument(name, project, { internal: true });
  const opened = await DeltaTable.open(location, { engine: await sharedEngine(), stores: tableStores() });
  return tableRelation(opened, { ...(version === undefined ? {} : { version }), ...(where === undefined ? {} : { where }) });
}

/** `TABLE@VERSION` → the table and the version; a table without `@digits` at its end is read at its latest version. */
function tableAtVersion(argument: string): { name: string; version?: number } {
  const match = /^(.+)@(\d+)$/.exec(argument);
  return match === null ? { name: argument } : { name: match[1] as string, version: Number(match[2]) };
}

const cell = (value: number): string =>
  Number.isNaN(value)
    ? 'NaN'
    : value === 0 || (Math.abs(value) >= 1e-4 && Math.abs(value) < 1e6)
      ? String(Number(value.toPrecision(4)))
      : value.toExponential(3);

function renderDrift(report: DriftReport): string {
  const table = new Table({ head: ['column', 'type', 'method', 'threshold', 'value', 'drift'], style: { head: [], border: [] } });
  for (const c of report.columns) table.push([c.column, c.type, c.method, String(c.threshold), cell(c.value), c.drifted ? 'DRIFTED' : 'no']);
  const { dataset } = report;
  const lines = [
    `Reference: ${report.reference.source} (${report.reference.rows} rows); current: ${report.current.source} (${report.current.rows} rows)`,
    '',
    table.toString(),
    '',
    `Dataset drift: ${dataset.drifted ? 'DETECTED' : 'not detected'}: ${dataset.drifted_count} of ${report.columns.length} columns drifted (share ${cell(dataset.drifted_share)}, drift share ${dataset.drift_share}).`,
  ];
  if (report.skipped.length > 0) lines.push('', 'Not tested:', ...report.skipped.map((s) => `  ${s.column}: ${s.reason}`));
  return lines.join('\n');
}
