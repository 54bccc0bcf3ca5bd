import type { Engine } from '../../engine/index.js';
import { quoteIdent, quoteLiteral } from '../../engine/index.js';
import { log } from '../../log.js';
import { field, fromDuckDBType, type StructField } from '../../table/index.js';
import { isMap } from '../expectations/definition.js';
import { QualityGateBlockedError } from '../errors.js';
import type { ExpectationConfig, ExpectationSuite, SuiteAction } from '../suite/suite.js';
import { parseResultFormat } from '../validate/result-format.js';
import type { JsonValue } from '../validate/results.js';
import { compileSuite, dataShape, POSITION_COLUMN, validateRows } from '../validate/validate-rows.js';
import { qualityFacts } from '../validate/quality-facts.js';
import { currentJobRun, jobRunsObserved, tableDataset } from '../../observe/index.js';

/** The relation a gate's row checks name for the batch's rows (expectations that look at other rows read it). */
export const GATE_ROWS = 'aq_gate_rows';

/** A suite attached to a table: every write to the table passes through it. */
export interface QualityGate {
  suite: ExpectationSuite;
}

/** A failed table-level expectation that a `warn` suite let through. */
export interface GateWarning {
  suite: string;
  type: string;
  kwargs: Record<string, unknown>;
  observed?: JsonValue;
}

/** A gate bound to the columns of the table it guards. */
export interface CompiledGate {
  suite: ExpectationSuite;
  action: SuiteAction;
  /**
   * SQL over one row's columns: the first per-row expectation the row fails, as
   * `<type> <kwargs JSON>`, or NULL when it passes them all. `rows` is the batch's relation.
   */
  rowFailure(rows: string): string | undefined;
  /** The expectations judged on the batch as a whole, as a suite of their own; undefined when there are none. */
  batch: ExpectationSuite | undefined;
}

/** How a quarantined row names the expectation it failed: its type and kwargs as the suite gives them. */
export function expectationReason(config: ExpectationConfig): string {
  return `${config.type} ${JSON.stringify(config.kwargs)}`;
}

/**
 * Split a suite for a gate on these columns. A per-row expectation with `mostly` 1 (GE's
 * default) judges each row on its own: its failing rows are quarantined and the rest go
 * on. One with `mostly` below 1 tolerates some failing rows, so it is judged on the batch,
 * like the aggregates, and no row is quarantined for it. One that cannot be evaluated
 * (a missing column) is judged on the batch too, where it fails as GE reports it.
 * Expectations that compare a row with the others (uniqueness, `acrossRows`) see only
 * the rows of the batch being written, never the rows already in the table.
 */
export function compileGate(suite: ExpectationSuite, fields: readonly StructField[]): CompiledGate {
  const shape = dataShape(fields);
  const compiled = compileSuite(suite, shape, parseResultFormat('BASIC'));
  const rowChecks = compiled.filter((e) => e.problem === undefined && isMap(e.definition) && (e.kwargs['mostly'] ?? 1) === 1);
  const rowIndexes = new Set(rowChecks.map((e) => e.index));
  const rest = suite.expectations.filter((_, i) => !rowIndexes.has(i));
  return {
    suite,
    action: suite.action ?? 'block',
    rowFailure: (rows) => {
      if (rowChecks.length === 0) return undefined;
      const cases = rowChecks.map((e) => {
        const definition = e.definition;
        if (!isMap(definition)) throw new Error('unreachable: row checks are map expectations');
        const fails = `(${definition.considered(e.kwargs, shape)}) AND (${definition.unexpected(e.kwargs, shape, rows)})`;
        return `WHEN ${fails} THEN ${quoteLiteral(expectationReason(e.config))}`;
      });
      return `CASE ${cases.join(' ')} END`;
    },
    batch: rest.length === 0 ? undefined : { ...suite, expectations: rest },
  };
}

/**
 * Judge a batch (the rows a write would add, as SQL with the gate's columns) against the
 * gate's table-level expectations, in one DuckDB pass. A failure blocks the write
 * (QUALITY_GATE_BLOCKED, thrown before anything is written) or, with `action: warn`, is
 * logged and returned as warnings for the command's output.
 */
export async function judgeBatch(
  engine: Engine,
  gate: CompiledGate,
  rowsSql: string,
  fields: readonly StructField[],
  what: string,
  /** The location of the table the batch goes to: the judgement goes on that output of the active job run. */
  target?: string,
): Promise<GateWarning[]> {
  if (gate.batch === undefined) return [];
  const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
  const source = { sql: `SELECT ${columns}, (row_number() OVER () - 1)::BIGINT AS ${POSITION_COLUMN} FROM (${rowsSql})`, fields };
  const result = await validateRows(engine, source, gate.batch, { resultFormat: 'BASIC' });
  const run = currentJobRun();
  if (target !== undefined && run !== undefined && jobRunsObserved()) run.output({ ...tableDataset(target), kind: 'table', dataQuality: qualityFacts(result) });
  if (result.success) return [];
  const failed = result.results
    .filter((r) => !r.success)
    .map((r): GateWarning => {
      const warning: GateWarning = { suite: gate.suite.name, type: r.expectation_config.type, kwargs: r.expectation_config.kwargs };
      const observed = r.result['observed_value'] ?? r.result['unexpected_count'];
      if (observed !== undefined) warning.observed = observed;
      return warning;
    });
  if (gate.action === 'block') throw new QualityGateBlockedError(what, gate.suite.name, failed);
  log.warn({ suite: gate.suite.name, what, failed }, 'quality gate: failed expectations let through (action warn)');
  return failed;
}

/**
 * Validate rows (any query) against a suite that must pass before they are used (a
 * training set before it is saved, feature values before the online store is written):
 * any failed expectation, per-row or table-level, is QUALITY_GATE_BLOCKED, whatever the
 * suite's action, since nothing here could be quarantined instead.
 */
export async function requireSuite(engine: Engine, sql: string, suite: ExpectationSuite, what: string): Promise<void> {
  const reader = await engine.read(`SELECT * FROM (${sql}) LIMIT 0`);
  const names = reader.columnNames();
  const fields = reader.columnTypes().map((type, i) => field(names[i] as string, fromDuckDBType(type, names[i] as string)));
  const source = { sql: `SELECT *, (row_number() OVER () - 1)::BIGINT AS ${POSITION_COLUMN} FROM (${sql})`, fields };
  const result = await validateRows(engine, source, suite, { resultFormat: 'BASIC' });
  if (result.success) return;
  const failed = result.results
    .filter((r) => !r.success)
    .map((r) => {
      const observed = r.result['observed_value'] ?? r.result['unexpected_count'];
      return { type: r.expectation_config.type, kwargs: r.expectation_config.kwargs, ...(observed === undefined ? {} : { observed }) };
    });
  throw new QualityGateBlockedError(what, suite.name, failed);
}
