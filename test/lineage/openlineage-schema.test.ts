import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { AQUIFER_FACETS_URL, FACET_VERSIONS, toRunEvent, type Facets, type OpenLineageRunEvent, type StandardFacet } from '../../src/lineage/index.js';
import { onJobRun, withJobRun, type JobRunEvent } from '../../src/observe/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { SHARED_DIR } from '../support/shared.js';
import { tempDir } from '../support/temp.js';
import { openLineageAjv } from '../support/openlineage-validator.js';

const SPEC_DIR = path.join(SHARED_DIR, 'conformance', 'openlineage');
const RUN_EVENT = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

const readJson = (file: string): Record<string, unknown> => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

/** The standard facet each key of ours is, by where it sits: OpenLineage's conventional names. */
const STANDARD_KEYS: Record<string, StandardFacet> = {
  processing_engine: 'ProcessingEngineRunFacet',
  nominalTime: 'NominalTimeRunFacet',
  parent: 'ParentRunFacet',
  errorMessage: 'ErrorMessageRunFacet',
  executionParameters: 'ExecutionParametersRunFacet',
  jobType: 'JobTypeJobFacet',
  sql: 'SQLJobFacet',
  documentation: 'DocumentationJobFacet',
  schema: 'SchemaDatasetFacet',
  version: 'DatasetVersionDatasetFacet',
  datasetType: 'DatasetTypeDatasetFacet',
  storage: 'StorageDatasetFacet',
  columnLineage: 'ColumnLineageDatasetFacet',
  dataQualityAssertions: 'DataQualityAssertionsDatasetFacet',
  outputStatistics: 'OutputStatisticsOutputDatasetFacet',
  inputStatistics: 'InputStatisticsInputDatasetFacet',
  dataQualityMetrics: 'DataQualityMetricsInputDatasetFacet',
};

const AQUIFER_KEYS: Record<string, string> = {
  aquifer_sourceFile: 'AquiferSourceFileDatasetFacet',
  aquifer_tableVersions: 'AquiferTableVersionsDatasetFacet',
  'inputs.aquifer_streamRanges': 'AquiferStreamRangesInputDatasetFacet',
  'outputs.aquifer_streamRanges': 'AquiferStreamRangesOutputDatasetFacet',
};

const errors = (validate: ValidateFunction): string => JSON.stringify(validate.errors, null, 2);

describe('OpenLineage events against the spec JSON Schema', () => {
  const ajv = openLineageAjv();
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  /** The facet schema by name: a standard one at the version we emit, or one of Aquifer's. */
  const facetSchema = (name: string): ValidateFunction => {
    const id =
      name in FACET_VERSIONS
        ? `https://openlineage.io/spec/facets/${FACET_VERSIONS[name as StandardFacet]}/${name}.json`
        : `${AQUIFER_FACETS_URL}/${name}.json`;
    const validate = ajv.getSchema(`${id}#/$defs/${name}`);
    if (validate === undefined) throw new Error(`no schema ${id} loaded`);
    return validate;
  };

  /** The event against RunEvent, and every facet in it against its own schema (named by its key, and by its _schemaURL). */
  const expectValid = (event: OpenLineageRunEvent): void => {
    const validate = ajv.getSchema(RUN_EVENT)!;
    expect(validate(event), errors(validate)).toBe(true);
    const check = (facets: Facets | undefined, place: string) => {
      for (const [key, facet] of Object.entries(facets ?? {})) {
        const name = STANDARD_KEYS[key] ?? AQUIFER_KEYS[key] ?? AQUIFER_KEYS[`${place}.${key}`];
        expect(name, `facet ${key} in ${place} has a known schema`).toBeDefined();
        const schema = facetSchema(name!);
        expect(facet._schemaURL.endsWith(`/${name}.json#/$defs/${name}`), `${key}: ${facet._schemaURL}`).toBe(true);
        expect(ajv.getSchema(facet._schemaURL), `${facet._schemaURL} is loaded`).toBeDefined();
        expect(schema(facet), `${key}: ${errors(schema)}`).toBe(true);
      }
    };
    check(event.run.facets, 'run');
    check(event.job.facets, 'job');
    for (const input of event.inputs) {
      check(input.facets, 'dataset');
      check(input.inputFacets, 'inputs');
    }
    for (const output of event.outputs) {
      check(output.facets, 'dataset');
      check(output.outputFacets, 'outputs');
    }
  };

  /** The OpenLineage events of every run `work` makes. */
  const eventsOf = async (work: () => Promise<unknown>): Promise<{ runs: JobRunEvent[]; events: OpenLineageRunEvent[] }> => {
    const runs: JobRunEvent[] = [];
    const stop = onJobRun((event) => runs.push(event));
    try {
      await work().catch(() => undefined);
      // A commit outside any run publishes its run's end a tick later.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      stop();
    }
    return { runs, events: runs.map((run) => toRunEvent(run, { namespace: 'shop' })) };
  };

  describe('the validator', () => {
    const examples = readdirSync(path.join(SPEC_DIR, 'tests'), { withFileTypes: true }).filter((d) => d.isDirectory());
    it.each(examples.map((d) => d.name))("accepts the spec's own examples of %s", (facetName) => {
      const schemaFile = path.join(SPEC_DIR, 'facets', `${facetName}.json`);
      const id = readJson(schemaFile)['$id'] as string;
      const validate = ajv.getSchema(id)!;
      const dir = path.join(SPEC_DIR, 'tests', facetName);
      const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(validate(readJson(path.join(dir, file))), `${file}: ${errors(validate)}`).toBe(true);
    });

    it('rejects an event missing its run id and a facet of the wrong shape', () => {
      const validate = ajv.getSchema(RUN_EVENT)!;
      const event = readJson(path.join(SPEC_DIR, 'tests', 'example_full_event.json'));
      expect(validate(event), errors(validate)).toBe(true);
      expect(validate({ ...event, run: {} })).toBe(false);
      expect(facetSchema('SchemaDatasetFacet')({ _producer: 'https://x', _schemaURL: 'https://x', fields: 'id' })).toBe(false);
      expect(facetSchema('AquiferSourceFileDatasetFacet')({ _producer: 'https://x', _schemaURL: 'https://x', sha256: 'abc' })).toBe(false);
    });
  });

  it('validates the runs of a table create, append, merge and delete, inside a run and standalone', async () => {
    const dir = await tempDir('aquifer-openlineage-');
    const location = `${dir}/orders`;
    const { runs, events } = await eventsOf(async () => {
      const { table } = await DeltaTable.create(location, { engine, data: { sql: "SELECT 1::BIGINT AS id, 10 AS amount, 'a' AS note" } });
      await table.append({ sql: "SELECT 2::BIGINT AS id, 20 AS amount, 'b' AS note" });
      await withJobRun({ name: 'shop.fix', type: 'MERGE', sql: 'MERGE INTO orders ...' }, async () => {
        await table.merge({
          source: { sql: 'SELECT 2::BIGINT AS id, 25 AS amount UNION ALL SELECT 3, 30' },
          on: 'target.id = source.id',
          whenMatched: [{ update: { amount: 'source.amount' } }],
          whenNotMatched: [{ insert: { id: 'source.id', amount: 'source.amount', note: "'new'" } }],
        });
        await table.delete('id = 1');
        const scan = await table.scan();
        await scan.rows();
      });
      await table.update({ set: { note: "'z'" }, where: 'amount > 20' });
    });
    expect(runs.map((r) => `${r.job.name} ${r.state}`)).toEqual([
      'table.create_table_as_select.orders START',
      'table.create_table_as_select.orders COMPLETE',
      'table.write.orders START',
      'table.write.orders COMPLETE',
      'shop.fix START',
      'shop.fix COMPLETE',
      'table.update.orders START',
      'table.update.orders COMPLETE',
    ]);
    for (const event of events) expectValid(event);
    const fix = events[5]!;
    expect(fix.outputs[0]!.facets?.['aquifer_tableVersions']).toMatchObject({ versions: [2, 3] });
  });

  it('validates a failed run and a nested run', async () => {
    const { events } = await eventsOf(() =>
      withJobRun({ name: 'shop.outer', type: 'INGEST', parameters: { mode: 'full' }, description: 'outer job' }, async () => {
        await withJobRun({ name: 'shop.inner', type: 'QUERY' }, async () => {
          throw Object.assign(new Error('the source was empty'), { code: 'WRITE_SOURCE_EMPTY' });
        });
      }),
    );
    expect(events.map((e) => `${e.job.name} ${e.eventType}`)).toEqual(['shop.outer START', 'shop.inner START', 'shop.inner FAIL', 'shop.outer FAIL']);
    expect(events[2]!.run.facets?.['parent']).toBeDefined();
    expect(events[2]!.run.facets?.['errorMessage']).toMatchObject({ message: 'WRITE_SOURCE_EMPTY: the source was empty' });
    for (const event of events) expectValid(event);
  });

  it('validates column lineage, dataset lineage, quality assertions and metrics, stream ranges and a source file', async () => {
    const { events } = await eventsOf(() =>
      withJobRun({ name: 'shop.features', type: 'TRAINING_SET', processing: 'STREAMING' }, async (run) => {
        run.input({
          namespace: 'file',
          name: '/data/in/orders-2026-01-01.csv',
          kind: 'file',
          file: { size: 1234, sha256: 'a'.repeat(64), modified: '2026-01-01T00:00:00.000Z' },
          statistics: { rowCount: 10, size: 1234 },
        });
        run.input({ namespace: 'kafka://localhost:9092', name: 'orders', kind: 'kafka', ranges: [{ partition: '0', from: '0', to: '99' }] });
        run.input({
          namespace: 'file',
          name: '/p/tables/orders',
          kind: 'table',
          version: '4',
          dataQuality: {
            rowCount: 100,
            bytes: 2048,
            columns: { amount: { nullCount: 0, min: 1, max: 99, quantiles: { '0.5': 50 } } },
            assertions: [
              { assertion: 'expect_column_values_to_not_be_null', success: true, column: 'amount' },
              { assertion: 'expect_table_row_count_to_be_between', success: false },
            ],
          },
        });
        run.output({
          namespace: 'aquifer://shop',
          name: 'training-sets/churn',
          kind: 'training-set',
          version: '2',
          fields: [
            { name: 'customer_id', type: 'long' },
            { name: 'spend_7d', type: 'double' },
          ],
          columnLineage: {
            customer_id: [{ namespace: 'file', name: '/p/tables/orders', field: 'customer_id', type: 'DIRECT', subtype: 'IDENTITY' }],
            spend_7d: [
              { namespace: 'file', name: '/p/tables/orders', field: 'amount', type: 'DIRECT', subtype: 'AGGREGATION', description: 'sum over 7 days' },
            ],
          },
          datasetLineage: [{ namespace: 'file', name: '/p/tables/orders', field: 'event_time', type: 'INDIRECT', subtype: 'FILTER' }],
        });
        run.output({ namespace: 'kafka://localhost:9092', name: 'orders-clean', kind: 'kafka', ranges: [{ partition: '1', from: '5', to: '9' }] });
      }),
    );
    const complete = events.find((e) => e.eventType === 'COMPLETE')!;
    expect(Object.keys(complete.inputs[0]!.facets ?? {})).toContain('aquifer_sourceFile');
    expect(Object.keys(complete.inputs[1]!.inputFacets ?? {})).toContain('aquifer_streamRanges');
    expect(Object.keys(complete.inputs[2]!.facets ?? {})).toContain('dataQualityAssertions');
    expect(Object.keys(complete.inputs[2]!.inputFacets ?? {})).toContain('dataQualityMetrics');
    expect(Object.keys(complete.outputs[0]!.facets ?? {})).toContain('columnLineage');
    expect(Object.keys(complete.outputs[1]!.outputFacets ?? {})).toContain('aquifer_streamRanges');
    for (const event of events) expectValid(event);
  });
});
