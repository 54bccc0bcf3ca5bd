import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURES_TABLE, qualityTableLocation, RESULTS_TABLE, type SuiteValidationResult } from '../../../src/quality/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { runCli } from '../../support/cli.js';
import { sortedRows, useLocalAndS3Projects, type ProjectUnderTest } from '../../support/s3-project.js';
import { minioAvailable } from '../../support/services.js';

const minioReady = await minioAvailable();

describe.skipIf(!minioReady)('validation results of a project whose tables live in S3 (MinIO)', () => {
  const context = useLocalAndS3Projects('s3-quality');

  it('keeps results and failing rows in the project bucket, as on a local project', async () => {
    const { inputs } = context();
    await writeFile(path.join(inputs, 'orders.jsonl'), [0, 1, 2, 3, 4, 5].map((id) => JSON.stringify({ id, amount: id === 2 ? null : id * 40 })).join('\n'));
    await writeFile(
      path.join(inputs, 'suite.json'),
      JSON.stringify({
        name: 'orders_checks',
        expectations: [
          { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'amount' } },
          { type: 'expect_column_values_to_be_between', kwargs: { column: 'amount', min_value: 0, max_value: 100 } },
        ],
      }),
    );
    await context().same(async (side: ProjectUnderTest) => {
      const { engine } = context();
      await side.cli(['table', 'create', 'orders', '--from', path.join(inputs, 'orders.jsonl')]);
      await side.cli(['quality', 'import', path.join(inputs, 'suite.json')]);
      const answer = await runCli(['quality', 'validate', 'orders', '--suite', 'orders_checks', '--id-columns', 'id', '--format', 'json'], {
        cwd: side.project.root,
      });
      expect(answer.code, answer.stderr).toBe(1);
      const result = JSON.parse(answer.stdout) as SuiteValidationResult;
      const location = qualityTableLocation(side.project, FAILURES_TABLE);
      expect(location.startsWith(side.kind === 's3' ? 's3://' : '/')).toBe(true);
      const read = async (name: typeof RESULTS_TABLE | typeof FAILURES_TABLE, omit: string[]) =>
        sortedRows(await (await (await DeltaTable.open(qualityTableLocation(side.project, name), { engine, stores: side.project.stores })).scan()).rows(), [
          'validation_id',
          ...omit,
        ]);
      const kept = {
        statistics: result.statistics,
        results: await read(RESULTS_TABLE, ['validated_at']),
        // Data file names are random per write; the row index and key say which row failed.
        failures: await read(FAILURES_TABLE, ['file']),
      };
      // One null amount, three over 100: every failing row, each once.
      expect([kept.results.length, kept.failures.length]).toEqual([2, 4]);
      return kept;
    });
  }, 180_000);
});
