import { randomUUID } from 'node:crypto';
import { quoteIdent, quoteLiteral } from '../../engine/index.js';
import type { Project } from '../../project/index.js';
import type { DeltaTable } from '../../table/index.js';
import type { ExpectationSuite } from '../suite/suite.js';
import type { SuiteValidationResult } from '../validate/results.js';
import { FILE_COLUMN, ROW_COLUMN } from '../validate/table-source.js';
import { validateTable, validationJob, type ValidateOptions } from '../validate/validate-table.js';
import { withJobRun } from '../../observe/index.js';
import { POSITION_COLUMN, type FailingRowsStatement } from '../validate/validate-rows.js';
import { FAILURES_TABLE, openQualityTable, qualityTableLocation, RESULTS_TABLE } from './results-tables.js';

export interface RecordOptions extends ValidateOptions {
  /** How the table is named in the results (its project name, say); its location by default. */
  tableName?: string;
}

/** A validation and where its outcome was kept. */
export interface RecordedValidation {
  /** GE's result; its `id` is the validation id, and `meta.aquifer` names the tables that keep it. */
  result: SuiteValidationResult;
  validationId: string;
  /** Rows written to the failures table: the unexpected_count of every failed per-row expectation, summed. */
  failingRows: number;
}

/**
 * Validate a table against a suite and keep the outcome in the project: one row per
 * expectation in `_quality_results`, and every failing row of every failed per-row
 * expectation (its data file, row index, position and key) in `_quality_failures`, written
 * by DuckDB from the validation's own SQL, so millions of failing rows never pass through
 * JavaScript. Failures are committed before results: a result row means its failures are kept.
 */
export async function validateAndRecord(
  project: Project,
  table: DeltaTable,
  suite: ExpectationSuite,
  options: RecordOptions = {},
): Promise<RecordedValidation> {
  // One run: the table version validated in, the results and failures tables out.
  return withJobRun(validationJob(suite, options.project ?? project.root), () => record(project, table, suite, options));
}

async function record(project: Project, table: DeltaTable, suite: ExpectationSuite, options: RecordOptions): Promise<RecordedValidation> {
  const validationId = randomUUID();
  const failed: FailingRowsStatement[] = [];
  const { tableName, ...validateOptions } = options;
  const result = await validateTable(table, suite, {
    ...validateOptions,
    onFailingRows: (statement) => {
      if (!statement.success) failed.push(statement);
      options.onFailingRows?.(statement);
    },
  });
  const aquifer = (result.meta['aquifer'] ?? {}) as { version?: number; validated_at?: string; table?: string };
  const validatedAt = aquifer.validated_at ?? new Date().toISOString();
  let failingRows = 0;
  if (failed.length > 0) {
    const failures = await openQualityTable(project, table.engine, FAILURES_TABLE);
    const written = await failures.append({ sql: failed.map((s) => failuresSql(validationId, s, options.idColumns ?? [])).join(' UNION ALL ') });
    failingRows = written.rows;
  }
  const results = await openQualityTable(project, table.engine, RESULTS_TABLE);
  await results.append({
    rows: result.results.map((r, index) => ({
      validation_id: validationId,
      suite: suite.name,
      table_name: tableName ?? aquifer.table ?? table.store.url,
      table_version: aquifer.version ?? 0,
      expectation_index: index,
      expectation_type: r.expectation_config.type,
      kwargs: JSON.stringify(r.expectation_config.kwargs),
      success: r.success,
      observed_value: 'observed_value' in r.result ? JSON.stringify(r.result['observed_value']) : null,
      element_count: count(r.result['element_count']),
      unexpected_count: count(r.result['unexpected_count']),
      missing_count: count(r.result['missing_count']),
      exception_message: r.exception_info.exception_message,
      validated_at: validatedAt,
    })),
  });
  return {
    result: {
      ...result,
      id: validationId,
      meta: {
        ...result.meta,
        aquifer: {
          ...aquifer,
          validation_id: validationId,
          results_table: qualityTableLocation(project, RESULTS_TABLE),
          failures_table: qualityTableLocation(project, FAILURES_TABLE),
          failing_rows: failingRows,
        },
      },
    },
    validationId,
    failingRows,
  };
}

const count = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/** The failures table's rows for one expectation, selected by DuckDB from the validation's statement. */
function failuresSql(validationId: string, statement: FailingRowsStatement, idColumns: readonly string[]): string {
  const keys =
    idColumns.length === 0 ? 'NULL::VARCHAR' : `to_json(struct_pack(${idColumns.map((c) => `${quoteIdent(c)} := ${quoteIdent(c)}`).join(', ')}))::VARCHAR`;
  return `SELECT ${quoteLiteral(validationId)} AS validation_id, ${statement.index}::INTEGER AS expectation_index,
    ${FILE_COLUMN}::VARCHAR AS file, ${ROW_COLUMN}::BIGINT AS row_index, ${POSITION_COLUMN}::BIGINT AS row_position, ${keys} AS key_values
    FROM (${statement.sql})`;
}
