import { createHash } from 'node:crypto';
import type { Engine } from '../../engine/index.js';
import { AquiferError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import {
  checkSuite,
  compileSuite,
  listSuites,
  parseResultFormat,
  readSuite,
  SuiteInvalidError,
  suiteToJson,
  tableSource,
  validateRows,
  type DataShape,
  type ExpectationConfig,
  type ExpectationSuite,
} from '../../quality/index.js';
import { DeltaTable, TableNotFoundError, type StructField } from '../../table/index.js';

/** Why a suite cannot be applied: the suite itself (`table` null) or one expectation of it on a table it gates. */
export interface SuitePlanProblem {
  suite: string;
  /** The project's table the suite was checked against; null for a problem of the suite alone. */
  table: string | null;
  /** The expectation's 0-based index in the suite; null for a problem of the whole file. */
  expectation: number | null;
  type: string | null;
  column: string | null;
  message: string;
}

/** A suite as the registry records it: its content hash, the tables it gates, and the suite itself. */
export interface AppliedSuite {
  digest: string;
  tables: string[];
  suite: Record<string, unknown>;
}

/** The project's suites as `apply` would record them, and what stops them from being applied. */
export interface SuitesPlan {
  suites: Record<string, AppliedSuite>;
  problems: SuitePlanProblem[];
}

/** `apply` refused: a suite has problems (every one is in `value`). */
export class SuitePlanError extends AquiferError {
  constructor(readonly problems: readonly SuitePlanProblem[]) {
    const first = problems[0];
    super(
      'QUALITY_SUITE_NOT_APPLICABLE',
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the quality suites${first === undefined ? '' : `; first: ${describeProblem(first)}`}; nothing was applied`,
      {
        value: problems.slice(0, 50),
        hint: 'Fix the suite (quality/<suite>.json) so every expectation fits the table it is attached to (`aquifer plan` lists every problem), or detach it with `aquifer quality detach`.',
      },
    );
  }
}

export function describeProblem(p: SuitePlanProblem): string {
  const where = p.table === null ? `suite ${p.suite}` : `suite ${p.suite} on ${p.table}`;
  const what = p.expectation === null ? '' : ` expectation ${p.expectation} (${p.type ?? '?'}${p.column === null ? '' : `, column ${p.column}`})`;
  return `${where}${what}: ${p.message}`;
}

/**
 * Check every suite of the project (`quality/*.json`, and every suite a gate names) without
 * reading data: each expectation's type and kwargs, then, on each table the suite is
 * attached to, the suite run over none of the table's rows, so a column the table lacks or
 * one whose type the expectation cannot take shows up as the error GE would report.
 * A gated table that does not exist yet is checked on its first write instead.
 */
export async function planSuites(project: Project, engine: Engine): Promise<SuitesPlan> {
  const gates = project.config.quality?.gates ?? {};
  const names = [...new Set([...(await listSuites(project)), ...Object.values(gates)])].sort();
  const suites: Record<string, AppliedSuite> = {};
  const problems: SuitePlanProblem[] = [];
  for (const name of names) {
    const tables = Object.keys(gates)
      .filter((t) => gates[t] === name)
      .sort();
    let suite: ExpectationSuite;
    try {
      suite = await readSuite(project, name);
    } catch (error) {
      if (!(error instanceof AquiferError)) throw error;
      problems.push({ suite: name, table: null, expectation: null, type: null, column: null, message: `${error.message} (${error.code})` });
      continue;
    }
    const json = suiteToJson(suite);
    suites[name] = { digest: contentDigest(json), tables, suite: json };
    const { valid, invalid } = checkExpectations(suite);
    problems.push(...invalid);
    for (const tableName of tables)
      problems.push(...(await problemsOnTable(project, engine, { ...suite, expectations: valid.map((v) => v.config) }, valid, tableName)));
  }
  return { suites, problems };
}

interface Indexed {
  index: number;
  config: ExpectationConfig;
}

/** Each expectation's type and kwargs, checked alone so every invalid one is named, not only the first. */
function checkExpectations(suite: ExpectationSuite): { valid: Indexed[]; invalid: SuitePlanProblem[] } {
  const valid: Indexed[] = [];
  const invalid: SuitePlanProblem[] = [];
  suite.expectations.forEach((config, index) => {
    try {
      checkSuite({ ...suite, expectations: [config] });
    } catch (error) {
      // A custom expectation's columns are checked on the table, not against no columns at all.
      if (!(error instanceof SuiteInvalidError)) {
        if (error instanceof AquiferError && error.code === 'QUALITY_COLUMN_NOT_FOUND') {
          valid.push({ index, config });
          return;
        }
        throw error;
      }
      const message = error.message.replace(/^Expectation 1 of suite/, `Expectation ${index} of suite`);
      invalid.push({ suite: suite.name, table: null, expectation: index, type: config.type, column: columnOf(config), message });
      return;
    }
    valid.push({ index, config });
  });
  return { valid, invalid };
}

/**
 * The suite run over none of the table's rows: the expectations GE would answer with an
 * exception (a missing column, a statistic of a type pandas cannot take it of) are the
 * problems. When a statement fails outright, each expectation runs alone to name it.
 */
async function problemsOnTable(
  project: Project,
  engine: Engine,
  suite: ExpectationSuite,
  indexed: readonly Indexed[],
  tableName: string,
): Promise<SuitePlanProblem[]> {
  let table: DeltaTable;
  try {
    table = await DeltaTable.open(project.tablePath(tableName), { engine, stores: project.stores });
    await table.snapshot();
  } catch (error) {
    if (error instanceof TableNotFoundError) return [];
    throw error;
  }
  const source = await tableSource(table);
  const empty = { sql: `SELECT * FROM (${source.sql}) LIMIT 0`, fields: source.fields };
  const shape = shapeOf(source.fields);
  const problem = (at: Indexed, message: string, column?: string): SuitePlanProblem => ({
    suite: suite.name,
    table: tableName,
    expectation: at.index,
    type: at.config.type,
    column: column ?? columnOn(at.config, shape),
    message,
  });
  const run = (expectations: ExpectationConfig[]) => validateRows(engine, empty, { ...suite, expectations });
  let results;
  try {
    results = (await run(indexed.map((i) => i.config))).results;
  } catch (error) {
    if (refusal(error) === undefined) throw error;
    const found: SuitePlanProblem[] = [];
    for (const at of indexed) {
      try {
        const [result] = (await run([at.config])).results;
        if (result?.exception_info.raised_exception === true) found.push(problem(at, result.exception_info.exception_message ?? 'raised an exception'));
      } catch (alone) {
        const why = refusal(alone);
        if (why === undefined) throw alone;
        found.push(problem(at, why.message, why.column));
      }
    }
    return found;
  }
  return results.flatMap((result, i) => {
    const at = indexed[i];
    return at === undefined || !result.exception_info.raised_exception ? [] : [problem(at, result.exception_info.exception_message ?? 'raised an exception')];
  });
}

/**
 * Why an expectation cannot run on the table's columns, when that is what an error says: a
 * custom expectation naming a missing column, or DuckDB refusing to bind its SQL to the
 * column's type. Anything else (storage, the engine itself) is not the suite's fault.
 */
function refusal(error: unknown): { message: string; column?: string } | undefined {
  if (!(error instanceof AquiferError)) return undefined;
  if (error.code === 'QUALITY_COLUMN_NOT_FOUND') return { message: error.message, column: String(error.value) };
  const bound = /^(?:Binder|Conversion) Error: ([^\n]*)/.exec(error.message);
  if (error.code === 'ENGINE_QUERY_FAILED' && bound !== null) return { message: `DuckDB cannot evaluate it on this column's type: ${bound[1] ?? ''}` };
  return undefined;
}

function shapeOf(fields: readonly StructField[]): DataShape {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return { fields, field: (name) => byName.get(name) };
}

/** The column an expectation's problem is about: the first it names that the table lacks, else the first it names. */
function columnOn(config: ExpectationConfig, shape: DataShape): string | null {
  try {
    const [compiled] = compileSuite({ name: 'plan', expectations: [config] }, shape, parseResultFormat(undefined));
    if (compiled === undefined) return null;
    const columns = compiled.definition.columns(compiled.kwargs);
    return columns.find((c) => shape.field(c) === undefined) ?? columns[0] ?? null;
  } catch {
    return columnOf(config);
  }
}

/** The column an expectation's kwargs name, read as written (for kwargs that did not check). */
function columnOf(config: ExpectationConfig): string | null {
  for (const key of ['column', 'column_A', 'column_B']) {
    const value = config.kwargs[key];
    if (typeof value === 'string') return value;
  }
  return null;
}

/** sha256 of the JSON with keys sorted, so rewriting a file with its keys in another order is no change. */
function contentDigest(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}
