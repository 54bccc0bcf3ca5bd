import type { ColumnSource, DatasetRef, JobRunEvent, JobSpec, RunState } from '../../../src/observe/index.js';
import { toRunEvent, type OpenLineageRunEvent } from '../../../src/lineage/index.js';

/**
 * A whole pipeline's run events, hand-made: files a.csv at trips v1 and b.csv at v2, a Kafka
 * batch at v3, a merge fix (from fixes v1, loaded from fix.csv) at v4, c.csv at v5; a feature
 * view and a training set pinned to trips v4; a model trained on it; predictions; a suite
 * validating v5; a materialization of v5; and a failed ingest of bad.csv that produced nothing.
 */
export const PROJECT = 'aquifer://demo';
const TRIPS = '/proj/tables/trips';
const FIXES = '/proj/tables/fixes';
const PREDICTIONS = '/proj/tables/churn__predictions';
const TRIP_FIELDS = ['trip_id', 'driver_id', 'fare', 'distance'].map((name) => ({ name, type: name === 'fare' || name === 'distance' ? 'DOUBLE' : 'BIGINT' }));

let clock = Date.parse('2026-01-01T00:00:00Z');

function run(name: string, type: string, inputs: DatasetRef[], outputs: DatasetRef[], state: RunState = 'COMPLETE'): OpenLineageRunEvent[] {
  const job: JobSpec = { name, type, project: '/proj' };
  const runId = `00000000-0000-4000-8000-${String(clock / 1000)
    .padStart(12, '0')
    .slice(-12)}`;
  const startedAt = new Date(clock);
  clock += 60_000;
  const start: JobRunEvent = { state: 'START', runId, time: startedAt, job, startedAt, inputs, outputs: [] };
  const end: JobRunEvent = { state, runId, time: new Date(clock), job, startedAt, inputs, outputs };
  return [start, end].map((e) => toRunEvent(e, { namespace: 'demo' }));
}

const file = (path: string, sha: string): DatasetRef => ({
  namespace: 'file',
  name: path,
  kind: 'file',
  file: { size: 100 + sha.length, sha256: sha.repeat(64 / sha.length) },
});
const table = (name: string, version: number, extra: Partial<DatasetRef> = {}): DatasetRef => ({
  namespace: 'file',
  name,
  kind: 'table',
  version: String(version),
  fields:
    name === TRIPS
      ? TRIP_FIELDS
      : [
          { name: 'trip_id', type: 'BIGINT' },
          { name: 'fare', type: 'DOUBLE' },
        ],
  ...extra,
});
const written = (name: string, version: number, operation: string, extra: Partial<DatasetRef> = {}) =>
  table(name, version, { versions: [version], operation, ...extra });
const source = (name: string, field: string, type: ColumnSource['type'] = 'DIRECT', subtype = 'IDENTITY'): ColumnSource => ({
  namespace: name.startsWith('/') ? 'file' : PROJECT,
  name,
  field,
  type,
  subtype,
});
const logical = (kind: DatasetRef['kind'], name: string, version?: string, extra: Partial<DatasetRef> = {}): DatasetRef => ({
  namespace: PROJECT,
  name,
  kind,
  ...(version === undefined ? {} : { version }),
  ...extra,
});

export function pipelineEvents(): OpenLineageRunEvent[] {
  clock = Date.parse('2026-01-01T00:00:00Z');
  const trainingSetFields = [
    { name: 'driver_id', type: 'BIGINT' },
    { name: 'avg_fare', type: 'DOUBLE' },
    { name: 'distance', type: 'DOUBLE' },
  ];
  return [
    ...run('ingest.trips', 'INGEST', [file('/data/a.csv', 'a')], [written(TRIPS, 1, 'CREATE TABLE')]),
    ...run('ingest.trips', 'INGEST', [file('/data/b.csv', 'b')], [written(TRIPS, 2, 'WRITE')]),
    ...run(
      'ingest.kafka.trips.trips',
      'INGEST',
      [
        {
          namespace: 'kafka://localhost:9092',
          name: 'trips',
          kind: 'kafka',
          ranges: [
            { partition: '0', from: '0', to: '99' },
            { partition: '1', from: '0', to: '49' },
          ],
        },
      ],
      [written(TRIPS, 3, 'STREAMING UPDATE')],
    ),
    ...run('ingest.fixes', 'INGEST', [file('/data/fix.csv', 'f')], [written(FIXES, 1, 'CREATE TABLE')]),
    ...run(
      'table.merge.trips',
      'MERGE',
      [table(TRIPS, 3), table(FIXES, 1)],
      [
        written(TRIPS, 4, 'MERGE', {
          columnLineage: { fare: [source(FIXES, 'fare', 'DIRECT', 'IDENTITY')] },
          datasetLineage: [source(TRIPS, 'trip_id', 'INDIRECT', 'JOIN'), source(FIXES, 'trip_id', 'INDIRECT', 'JOIN')],
        }),
      ],
    ),
    ...run('ingest.trips', 'INGEST', [file('/data/c.csv', 'c')], [written(TRIPS, 5, 'WRITE')]),
    ...run('ingest.trips', 'INGEST', [file('/data/bad.csv', 'd')], [written(TRIPS, 6, 'WRITE')], 'FAIL'),
    ...run(
      'features.view.trip_stats',
      'TRANSFORMATION',
      [table(TRIPS, 4)],
      [
        logical('feature-view', 'feature-views/trip_stats', undefined, {
          fields: [
            { name: 'driver_id', type: 'BIGINT' },
            { name: 'avg_fare', type: 'DOUBLE' },
          ],
          columnLineage: { avg_fare: [source(TRIPS, 'fare', 'DIRECT', 'AGGREGATION')], driver_id: [source(TRIPS, 'driver_id')] },
        }),
      ],
    ),
    ...run(
      'features.training_set.driver_training',
      'TRAINING_SET',
      [logical('feature-view', 'feature-views/trip_stats', undefined, { fields: trainingSetFields.slice(0, 2) }), table(TRIPS, 4)],
      [
        logical('training-set', 'training-sets/driver_training', '1', {
          fields: trainingSetFields,
          columnLineage: {
            driver_id: [source(TRIPS, 'driver_id')],
            avg_fare: [source('feature-views/trip_stats', 'avg_fare')],
            distance: [source(TRIPS, 'distance')],
          },
        }),
      ],
    ),
    ...run(
      'models.train.churn',
      'TRAIN',
      [logical('training-set', 'training-sets/driver_training', '1', { fields: trainingSetFields }), table(TRIPS, 4)],
      [logical('model', 'models/churn', '1')],
    ),
    ...run('models.predict.churn', 'PREDICT', [logical('model', 'models/churn', '1')], [written(PREDICTIONS, 1, 'WRITE')]),
    ...run(
      'quality.validate.trips_suite',
      'VALIDATION',
      [table(TRIPS, 5, { dataQuality: { rowCount: 10, assertions: [{ assertion: 'expect_column_values_to_not_be_null', success: true, column: 'fare' }] } })],
      [],
    ),
    ...run(
      'features.materialize.trip_stats',
      'MATERIALIZE',
      [table(TRIPS, 5)],
      [logical('online-store', 'online-store/trip_stats', undefined, { statistics: { rowCount: 3 } })],
    ),
  ];
}
