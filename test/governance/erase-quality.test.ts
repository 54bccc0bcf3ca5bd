import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { erase } from '../../src/governance/index.js';
import { Project } from '../../src/project/index.js';
import { FAILURES_TABLE, openQualityTable, RESULTS_TABLE } from '../../src/quality/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

describe('erase and the data quality tables', () => {
  it("erases a subject's failing-row key (key_values) and an observed value holding it (observed_value)", async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-erase-quality-'), 'shop'), 'shop');
    await DeltaTable.create(project.tablePath('users'), { engine, data: { sql: "SELECT * FROM (VALUES ('q-subject-1', 1), ('q-kept-2', 2)) t(user_id, n)" } });
    const failures = await openQualityTable(project, engine, FAILURES_TABLE);
    await failures.append({
      sql: `SELECT * FROM (VALUES ('v1', 0, 'part-0.parquet', 0::BIGINT, 0::BIGINT, '{"user_id":"q-subject-1"}'),
        ('v1', 0, 'part-0.parquet', 1::BIGINT, 1::BIGINT, '{"user_id":"q-kept-2"}'))
        t(validation_id, expectation_index, file, row_index, row_position, key_values)`,
    });
    const results = await openQualityTable(project, engine, RESULTS_TABLE);
    await results.append({
      sql: `SELECT 'v1' AS validation_id, 's' AS suite, 'users' AS table_name, 0::BIGINT AS table_version, i AS expectation_index,
        'expect_column_distinct_values_to_be_in_set' AS expectation_type, '{}' AS kwargs, false AS success,
        CASE i WHEN 0 THEN '["q-subject-1","q-kept-2"]' ELSE '["q-kept-2"]' END AS observed_value,
        NULL::BIGINT AS element_count, NULL::BIGINT AS unexpected_count, NULL::BIGINT AS missing_count, NULL::VARCHAR AS exception_message,
        TIMESTAMP '2024-06-01 00:00:00' AS validated_at FROM range(2) t(i)`,
    });

    const report = await erase(project, engine, { entities: [{ column: 'user_id', value: 'q-subject-1' }] });
    expect(report.tables.map((t) => [t.name, t.matchedOn, t.rows])).toEqual([
      [FAILURES_TABLE, ['key_values.user_id'], 1],
      [RESULTS_TABLE, ['observed_value'], 1],
      ['users', ['user_id'], 1],
    ]);
    expect(report.proof?.hits).toEqual([]);
    const left = async (name: string, column: string) =>
      (await (await (await DeltaTable.open(path.join(project.root, 'tables', name), { engine })).scan()).rows()).map((r) => r[column]);
    expect(await left(FAILURES_TABLE, 'key_values')).toEqual(['{"user_id":"q-kept-2"}']);
    expect(await left(RESULTS_TABLE, 'observed_value')).toEqual(['["q-kept-2"]']);
  }, 60_000);
});
