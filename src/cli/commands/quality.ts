import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { sharedEngine } from '../../engine/index.js';
import { Project } from '../../project/index.js';
import {
  renderValidationReport,
  checkSuite,
  EXPECTATIONS,
  expectationTypes,
  listSuites,
  readSuite,
  readSuiteFile,
  RESULT_FORMAT_LEVELS,
  suiteProblemsOnTable,
  suitePath,
  suiteToJson,
  SuiteColumnsMissingError,
  validateAndRecord,
  writeSuite,
  type ExpectationResult,
  type ExpectationSuite,
  type RecordedValidation,
  type ResultFormatLevel,
} from '../../quality/index.js';
import { DeltaTable } from '../../table/index.js';
import { openCommandProject } from '../command-project.js';
import { ExitCode } from '../exit-codes.js';
import { choice, collect, parseList, parseNonNegativeInt } from '../options.js';
import { printJson, printText, type InfoFormat } from '../output/print.js';
import { ProgressBar } from '../output/progress.js';
import { tableInProject } from '../table-location.js';

export const QUALITY_SUMMARY = "Data quality: Great Expectations' suites on Delta tables, every failing row kept.";

const EXIT_CODES = `
Exit codes: 0 success; 1 a typed error (its code and a hint are printed), or a validation
whose suite failed; 2 the command line was wrong; 70 an unexpected internal error.`;

/**
 * The `quality` command group, to which each part of data quality adds its commands
 * (`registerQuality` here; profiling and gates add theirs to the same group).
 */
export function qualityGroup(program: Command): Command {
  return program.command('quality').description(QUALITY_SUMMARY).addHelpText('after', EXIT_CODES);
}

const openProject = async (dir: string): Promise<Project> => openCommandProject(dir);

export function registerQuality(quality: Command): void {
  quality
    .command('import')
    .description(
      "Import a suite written by Great Expectations 1.x (its suite JSON) as quality/<name>.json, after checking every expectation's type and kwargs.",
    )
    .argument('<file>', 'the suite file')
    .option('--name <name>', 'the suite name (default: the name in the file)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (file: string, flags: { name?: string; project: string; format: InfoFormat }) => {
      const project = await openProject(flags.project);
      const suite = await readSuiteFile(path.resolve(file), flags.name);
      checkSuite(suite);
      const written = await writeSuite(project, suite);
      if (flags.format === 'json') printJson({ name: suite.name, expectations: suite.expectations.length, file: written });
      else printText(`Imported suite ${suite.name} (${plural(suite.expectations.length, 'expectation')}) as ${path.relative(project.root, written)}.`);
    });

  quality
    .command('suites')
    .description("List the project's suites (quality/*.json).")
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (flags: { project: string; format: InfoFormat }) => {
      const project = await openProject(flags.project);
      const suites = await Promise.all((await listSuites(project)).map((name) => readSuite(project, name)));
      const rows = suites.map((s) => ({ name: s.name, expectations: s.expectations.length, action: s.action ?? 'block' }));
      if (flags.format === 'json') printJson(rows);
      else
        printText(
          rows.length === 0
            ? 'No suites: import one with `aquifer quality import FILE`.'
            : rows.map((r) => `${r.name}\t${plural(r.expectations, 'expectation')}`).join('\n'),
        );
    });

  quality
    .command('show')
    .description("Show a suite's expectations (json: the suite file as GE 1.x writes it).")
    .argument('<suite>', 'suite name')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (name: string, flags: { project: string; format: InfoFormat }) => {
      const project = await openProject(flags.project);
      const suite = await readSuite(project, name);
      if (flags.format === 'json') printJson(suiteToJson(suite));
      else
        printText(
          [
            `Suite ${suite.name} (${path.relative(project.root, suitePath(project, suite.name))}), gate action ${suite.action ?? 'block'}:`,
            ...suite.expectations.map((e, i) => `  ${i} ${e.type} ${JSON.stringify(e.kwargs)}`),
          ].join('\n'),
        );
    });

  quality
    .command('expectations')
    .description("The expectation types Aquifer evaluates (GE's names), with their family.")
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action((flags: { format: InfoFormat }) => {
      const rows = expectationTypes().map((type) => ({ type, family: EXPECTATIONS.get(type)?.family ?? '' }));
      if (flags.format === 'json') printJson(rows);
      else printText(rows.map((r) => `${r.type}\t${r.family}`).join('\n'));
    });

  quality
    .command('validate')
    .description(
      "Validate a table version against a suite in DuckDB. Prints GE's validation result with --format json; keeps one row per expectation in the project's _quality_results table and every failing row in _quality_failures. Exits 1 when the suite fails.",
    )
    .argument('<table>', "table name under the project's tables, or a path")
    .requiredOption('--suite <name>', 'the suite (quality/<name>.json)')
    .option('--version <n>', 'validate this table version (default: the latest)', parseNonNegativeInt)
    .option('--result-format <level>', `GE's result_format: ${RESULT_FORMAT_LEVELS.join(', ')}`, choice(RESULT_FORMAT_LEVELS), 'SUMMARY')
    .option('--id-columns <c1,c2>', 'columns that name a failing row (GE: unexpected_index_column_names)', parseList)
    .option('--report <file>', 'also write the result as one self-contained HTML page (readable offline)')
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(
      async (
        name: string,
        flags: { suite: string; version?: number; resultFormat: ResultFormatLevel; idColumns?: string[]; report?: string; project: string; format: InfoFormat },
      ) => {
        const project = await openProject(flags.project);
        const suite = await readSuite(project, flags.suite);
        // Validation only reads the table, so Aquifer's own (a model's prediction log) may be named too.
        const table = await DeltaTable.open(await tableInProject(project, name, { internal: true }), { engine: await sharedEngine(), stores: project.stores });
        const progress = new ProgressBar(`Validating ${name}`, flags.format === 'text' && process.stderr.isTTY === true);
        const recorded = await validateAndRecord(project, table, suite, {
          tableName: name,
          resultFormat: flags.resultFormat,
          onProgress: (fraction) => progress.update(fraction),
          ...(flags.version === undefined ? {} : { version: flags.version }),
          ...(flags.idColumns === undefined ? {} : { idColumns: flags.idColumns }),
        }).finally(() => progress.stop());
        if (flags.report !== undefined)
          await writeFile(path.resolve(flags.report), renderValidationReport(recorded.result, { title: `${suite.name} on ${name}` }));
        if (flags.format === 'json') printJson(recorded.result);
        else printText(summary(name, suite, recorded));
        if (!recorded.result.success) process.exitCode = ExitCode.FAILED;
      },
    );

  quality
    .command('validate-suites')
    .description(
      'Check suites without reading data: every expectation type known and its kwargs valid, and, for each --table, every column the expectations name present in that table.',
    )
    .argument('[suites...]', 'suite names (default: every suite of the project)')
    .option('--table <table>', 'a table to check the suites against (repeatable)', collect, [])
    .option('--project <dir>', 'project folder', '.')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (names: string[], flags: { table: string[]; project: string; format: InfoFormat }) => {
      const project = await openProject(flags.project);
      const suites = await Promise.all((names.length > 0 ? names : await listSuites(project)).map((n) => readSuite(project, n)));
      const engine = await sharedEngine();
      const checks: { suite: string; table: string | null; problems: { index: number; type: string; message: string }[] }[] = [];
      for (const suite of suites) {
        checkSuite(suite);
        if (flags.table.length === 0) checks.push({ suite: suite.name, table: null, problems: [] });
        for (const name of flags.table) {
          const table = await DeltaTable.open(await tableInProject(project, name, { internal: true }), { engine, stores: project.stores });
          checks.push({ suite: suite.name, table: name, problems: await suiteProblemsOnTable(suite, table) });
        }
      }
      if (flags.format === 'json') printJson(checks);
      else
        printText(
          checks
            .map(
              (c) =>
                `${c.problems.length === 0 ? 'OK  ' : 'FAIL'} ${c.suite}${c.table === null ? '' : ` on ${c.table}`}${c.problems.map((p) => `\n       ${p.index} ${p.type}: ${p.message}`).join('')}`,
            )
            .join('\n') || 'No suites to check.',
        );
      const problems = checks.flatMap((c) => c.problems.map((p) => ({ suite: c.suite, table: c.table ?? '', message: `${p.index} ${p.type}: ${p.message}` })));
      if (problems.length > 0) throw new SuiteColumnsMissingError(problems);
    });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The human summary of a validation: one line per expectation, failures first in the eye by their mark. */
function summary(name: string, suite: ExpectationSuite, recorded: RecordedValidation): string {
  const { result, validationId, failingRows } = recorded;
  const version = (result.meta['aquifer'] as { version?: number } | undefined)?.version;
  const { successful_expectations: passed, evaluated_expectations: evaluated } = result.statistics;
  const lines = [
    `Suite ${suite.name} on ${name}${version === undefined ? '' : ` (version ${version})`}: ${result.success ? 'PASSED' : 'FAILED'}, ${passed} of ${plural(evaluated, 'expectation')} met.`,
    ...result.results.map((r, i) => `  ${r.success ? 'PASS' : 'FAIL'} ${i} ${r.expectation_config.type}${target(r)}: ${outcome(r)}`),
    `Validation ${validationId} kept in _quality_results${failingRows > 0 ? `; ${plural(failingRows, 'failing row')} in _quality_failures` : ''}.`,
  ];
  return lines.join('\n');
}

function target(r: ExpectationResult): string {
  const k = r.expectation_config.kwargs;
  const columns = ['column', 'column_A', 'column_B', 'column_list'].filter((c) => c in k).map((c) => `${c}=${JSON.stringify(k[c])}`);
  return columns.length === 0 ? '' : ` (${columns.join(', ')})`;
}

function outcome(r: ExpectationResult): string {
  if (r.exception_info.raised_exception) return r.exception_info.exception_message ?? 'raised an exception';
  const { result } = r;
  if ('observed_value' in result) return `observed ${JSON.stringify(result['observed_value'])}`;
  if (typeof result['unexpected_count'] === 'number') return `${result['unexpected_count']} of ${String(result['element_count'])} rows unexpected`;
  return r.success ? 'met' : 'not met';
}
