import { promises as fs } from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import type { Command } from 'commander';
import { profile, renderProfileReport, suggestSuite, suiteToJson, SUITE_NAME, type TableProfile } from '../../quality/index.js';
import { DeltaTable } from '../../table/index.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { ProgressBar } from '../output/progress.js';
import { tableStores } from '../table-location.js';
import { CliUsageError } from '../usage-error.js';

interface ProfileFlags {
  version?: number;
  suggest?: boolean;
  suiteName?: string;
  report?: string;
  format: InfoFormat;
}

/** `quality profile`: added to the `quality` command group by whoever builds that group. */
export function registerQualityProfile(quality: Command): void {
  quality
    .command('profile')
    .description(
      'Profile a table version in DuckDB: per column its type, null share, distinct count, min/max, mean/stdev, quantiles, histogram and top values. ' +
        '--suggest drafts an expectation suite (GE 1.x JSON) that the version passes. ' +
        'With --format json: the profile, or {"profile", "suite"} with --suggest.',
    )
    .argument('<table>', 'table root, or the name of a table of the project')
    .option('--version <n>', 'profile this version (default: the latest)', parseNonNegativeInt)
    .option('--suggest', 'also draft a suite the data passes (save it as quality/<name>.json, or `aquifer quality import` it)')
    .option('--suite-name <name>', "the drafted suite's name (default: <table>_suggested)")
    .option('--report <file>', 'write the profile as one self-contained HTML page')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (location: string, flags: ProfileFlags) => {
      if (flags.suiteName !== undefined && flags.suggest !== true)
        throw new CliUsageError('--suite-name names the suite --suggest drafts', flags.suiteName, 'Add --suggest, or leave out --suite-name.');
      const name = flags.suiteName ?? defaultSuiteName(location);
      if (!SUITE_NAME.test(name))
        throw new CliUsageError(
          `${JSON.stringify(name)} is not a suite name`,
          name,
          'Suite names are letters, digits, _ . - (up to 128), starting with a letter or digit.',
        );
      const table = await DeltaTable.open(location, { stores: tableStores() });
      const progress = new ProgressBar('profile', flags.format === 'text' && process.stderr.isTTY === true);
      let profiled: TableProfile;
      try {
        profiled = await profile(table, { ...(flags.version === undefined ? {} : { version: flags.version }), onProgress: (f) => progress.update(f) });
      } finally {
        progress.stop();
      }
      if (flags.report !== undefined) await fs.writeFile(flags.report, renderProfileReport(profiled));
      const suite = flags.suggest === true ? suiteToJson(suggestSuite(profiled, { name })) : undefined;
      if (flags.format === 'json') printJson(suite === undefined ? profiled : { profile: profiled, suite });
      else printText(renderProfile(profiled, flags.report, suite));
    });
}

/** `<table folder>_suggested`, made a valid suite name. */
function defaultSuiteName(location: string): string {
  const base = path.basename(location.replace(/[/\\]+$/, '')).replace(/[^A-Za-z0-9_.-]/g, '_');
  const name = `${base}_suggested`;
  return SUITE_NAME.test(name) ? name : 'suggested';
}

const cell = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' && !Number.isInteger(value) ? String(Number(value.toPrecision(6))) : String(value);
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
};

function renderProfile(p: TableProfile, report: string | undefined, suite: Record<string, unknown> | undefined): string {
  const columns = new Table({ head: ['column', 'type', 'nulls', 'distinct', 'min', 'max', 'mean', 'top value'], style: { head: [], border: [] } });
  for (const c of p.columns) {
    const top = c.top_values[0];
    columns.push([
      c.name,
      c.type,
      c.null_share === null ? '' : `${cell(c.null_share * 100)} %`,
      cell(c.distinct_count),
      cell(c.min),
      cell(c.max),
      cell(c.mean),
      top === undefined ? '' : `${cell(top.value)} (${top.count})`,
    ]);
  }
  const lines = [
    `Profile of ${p.table ?? 'rows'}${p.version === null ? '' : ` at version ${p.version}`}: ${p.row_count} rows, ${p.column_count} columns`,
    '',
    columns.toString(),
  ];
  if (report !== undefined) lines.push('', `Report written to ${report}`);
  if (suite !== undefined) {
    const count = Array.isArray(suite['expectations']) ? suite['expectations'].length : 0;
    lines.push('', `Suggested suite ${String(suite['name'])} (${count} expectations), GE 1.x JSON:`, JSON.stringify(suite, null, 2));
  }
  return lines.join('\n');
}
