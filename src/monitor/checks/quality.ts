import { quoteLiteral } from '../../engine/index.js';
import { qualityTableLocation, RESULTS_TABLE } from '../../quality/index.js';
import { DeltaTable, TableNotFoundError } from '../../table/index.js';
import { MonitorNoDataError } from '../errors.js';
import type { QualityMonitor } from '../monitors/definition.js';
import type { CheckContext, CheckOutcome } from './check.js';

/**
 * The table's latest validation (of `suite`, or of any suite) in the project's
 * `_quality_results`: the share of its expectations that succeeded, against
 * `minSuccessShare` (1 by default, so any failed expectation breaches).
 */
export async function checkQuality(monitor: QualityMonitor, context: CheckContext): Promise<CheckOutcome> {
  const threshold = monitor.minSuccessShare ?? 1;
  const results = await DeltaTable.open(qualityTableLocation(context.project, RESULTS_TABLE), { engine: context.engine, stores: context.project.stores });
  let sql: string;
  try {
    sql = (await (await results.scan()).plan()).sql;
  } catch (error) {
    if (error instanceof TableNotFoundError) throw new MonitorNoDataError(monitor.name, 'the project has no quality results yet');
    throw error;
  }
  // Validations name the table as the CLI was given it (its project name) or by its location.
  const names = [monitor.table, context.table.location].map(quoteLiteral).join(', ');
  const suite = monitor.suite === undefined ? '' : ` AND suite = ${quoteLiteral(monitor.suite)}`;
  const [row] = await context.engine.query(`
    WITH r AS (SELECT * FROM (${sql}) WHERE table_name IN (${names})${suite}),
    latest AS (SELECT validation_id FROM r ORDER BY validated_at DESC, validation_id LIMIT 1)
    SELECT any_value(suite) AS suite, any_value(table_version) AS table_version, strftime(max(validated_at), '%Y-%m-%dT%H:%M:%S.%gZ') AS validated_at,
      count(*) AS expectations, count(*) FILTER (WHERE success) AS succeeded,
      coalesce(list(expectation_type ORDER BY expectation_index) FILTER (WHERE NOT success), []) AS failed
    FROM r WHERE validation_id IN (SELECT validation_id FROM latest)`);
  const expectations = Number(row?.['expectations'] ?? 0);
  if (row === undefined || expectations === 0)
    throw new MonitorNoDataError(
      monitor.name,
      `no validation of ${monitor.table}${monitor.suite === undefined ? '' : ` by the suite ${monitor.suite}`} in ${RESULTS_TABLE}`,
    );
  const share = Number(row['succeeded']) / expectations;
  return {
    status: share < threshold ? 'breach' : 'ok',
    value: share,
    threshold,
    tableVersion: Number(row['table_version']),
    details: {
      suite: row['suite'],
      validatedAt: row['validated_at'],
      expectations,
      succeeded: Number(row['succeeded']),
      failed: Array.isArray(row['failed']) ? row['failed'].map(String) : [],
    },
  };
}
