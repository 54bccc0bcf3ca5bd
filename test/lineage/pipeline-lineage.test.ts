import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeatureRegistry, openAppliedFeatureStore, type FeatureRepository } from '../../src/features/index.js';
import { ingestFiles, IngestTarget, KafkaIngestJob } from '../../src/ingest/index.js';
import { downstream, LineageGraph, LineageLog, recordLineage, upstream, type LineageResult } from '../../src/lineage/index.js';
import { ModelServing, openModelStore, train } from '../../src/models/index.js';
import { withJobRun } from '../../src/observe/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { useKafkaTopic } from '../support/kafka-topic.js';
import { sleep } from '../support/processes.js';
import { kafkaAvailable } from '../support/services.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';
import { openLineageValidator } from '../support/openlineage-validator.js';

const ready = await kafkaAvailable();
const TRAINER = path.join(REPO_ROOT, 'demo', 'train_model.mjs');

const csv = (rows: readonly (readonly [string, string, string, number])[]) =>
  ['user_id,event_time,event_type,price', ...rows.map((r) => r.join(','))].join('\n') + '\n';

/** The ids of what a query reached, runs left out: the datasets, versions, files and offsets. */
const reached = (result: LineageResult) =>
  result.nodes
    .filter((n) => n.type !== 'run')
    .map((n) => n.id)
    .sort();

describe.skipIf(!ready)('lineage of the whole pipeline', () => {
  const fixture = useKafkaTopic('clicks', 1);

  it('traces a model version to exactly the files and offsets loaded before its training set, and a bad file to everything it reached', async () => {
    const { kafka, producer, engine } = fixture();
    const dir = await tempDir('aquifer-pipeline-lineage-');
    const project = await Project.init(path.join(dir, 'shop'), 'shop');
    const recorder = recordLineage(project, engine);
    const file = (name: string) => path.join(dir, name);
    await writeFile(
      file('a.csv'),
      csv([
        ['u1', '2024-05-01T10:00:00Z', 'view', 10],
        ['u2', '2024-05-01T10:05:00Z', 'view', 20],
      ]),
    );
    // The planted bad file: a negative price, fixed later by a delete.
    await writeFile(
      file('b.csv'),
      csv([
        ['u3', '2024-05-01T11:00:00Z', 'buy', -5],
        ['u4', '2024-05-01T11:10:00Z', 'view', 40],
      ]),
    );
    await writeFile(file('c.csv'), csv([['u1', '2024-05-03T09:00:00Z', 'buy', 99]]));

    const location = project.tablePath('events');
    const target = await IngestTarget.open(location, { engine, createIfMissing: {}, project: project.root });
    // The first load creates the table (events@0) and appends (events@1).
    await ingestFiles(engine, target, { files: file('a.csv') });
    await ingestFiles(engine, target, { files: file('b.csv') }); // events@2
    await producer.send({
      topic: 'clicks',
      messages: ['u1', 'u2', 'u3', 'u4'].map((user, i) => ({
        value: JSON.stringify({ user_id: user, event_time: `2024-05-01T12:0${i}:00Z`, event_type: 'view', price: 5 + i }),
      })),
    });
    let consumed = 0;
    const job = new KafkaIngestJob(target, {
      brokers: [kafka.bootstrap],
      topic: 'clicks',
      groupId: 'pipeline',
      maxBatchRecords: 4,
      maxBatchMs: 600_000,
      onBatch: (batch) => {
        consumed += batch.records;
      },
    });
    try {
      await job.start();
      for (let i = 0; i < 600 && consumed < 4; i++) await sleep(100);
    } finally {
      await job.stop();
    }
    expect(job.error).toBeUndefined(); // events@3
    const events = await DeltaTable.open(location, { engine });
    await events.delete('price < 0'); // events@4, the fix

    // A SQL transformation into a feature table, a feature view on it, and a training set pinned to it.
    const transform = `SELECT user_id, max(event_time) AS ts, count(*)::BIGINT AS events, sum(price)::DOUBLE AS spend FROM events GROUP BY user_id`;
    await withJobRun({ name: 'transform.user_activity', type: 'QUERY', project: project.root, sql: transform }, async () => {
      const scan = await (await DeltaTable.open(location, { engine })).scan();
      await DeltaTable.create(project.tablePath('user_activity'), {
        engine,
        data: { sql: transform.replace('FROM events', `FROM (${await scan.sql()})`) },
      });
    });
    const repository: FeatureRepository = {
      entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
      featureViews: [
        {
          name: 'user_activity',
          entities: ['user'],
          source: { kind: 'table', table: 'user_activity', timestampField: 'ts' },
          features: [
            { name: 'events', type: 'long' },
            { name: 'spend', type: 'double' },
          ],
        },
      ],
    };
    await writeFile(project.featuresPath, JSON.stringify(repository));
    await new FeatureRegistry(project).apply(repository, engine);
    const features = await openAppliedFeatureStore(project, engine);
    try {
      const set = await features.historicalFeatures({
        entityRows: {
          sql: `SELECT * FROM (VALUES ('u1', TIMESTAMPTZ '2024-06-01 00:00:00+00', 1), ('u2', TIMESTAMPTZ '2024-06-01 00:00:00+00', 0),
            ('u3', TIMESTAMPTZ '2024-06-01 00:00:00+00', 1), ('u4', TIMESTAMPTZ '2024-06-01 00:00:00+00', 0)) t(user_id, event_timestamp, label)`,
        },
        features: ['user_activity:events', 'user_activity:spend'],
      });
      await set.save(project.tablePath('training_v1'));

      // Loaded after the training set was pinned: not upstream of the model.
      await ingestFiles(engine, target, { files: file('c.csv') }); // events@5

      const models = await openModelStore(project);
      try {
        const trained = await train(project, engine, models, {
          model: 'buyer',
          trainingSet: 'training_v1',
          label: 'label',
          command: [process.execPath, TRAINER],
        });
        expect(trained.exitCode).toBe(0);
        await features.materialize(0, '2030-01-01T00:00:00Z');
        const serving = new ModelServing({ project, engine, featureStore: async () => features, store: async () => models, logDurability: 'before-response' });
        await serving.predict({ name: 'buyer', version: '1' }, { entities: { user_id: ['u1', 'u4'] } });
        await serving.close();
      } finally {
        await models.close();
      }
    } finally {
      await features.online?.close();
    }
    await recorder.close();

    const log = await LineageLog.forProject(project, engine).events();
    const validate = openLineageValidator();
    for (const event of log) expect(validate(event), `${event.job.name} ${event.eventType}`).toEqual([]);
    const graph = LineageGraph.fromEvents(log);
    const kafkaRange = 'kafka:clicks:0:0-3';

    const model = upstream(graph, 'model:buyer@1');
    const sources = model.nodes.filter((n) => n.type === 'file' || n.type === 'stream');
    expect(sources.map((n) => n.path ?? n.id).sort()).toEqual([file('a.csv'), file('b.csv'), kafkaRange].sort());
    expect(reached(model).filter((id) => id.startsWith('table:events@'))).toEqual([
      'table:events@0',
      'table:events@1',
      'table:events@2',
      'table:events@3',
      'table:events@4',
    ]);

    const bad = downstream(graph, file('b.csv'));
    expect(reached(bad).filter((id) => !id.startsWith('file:'))).toEqual(
      [
        'table:events@2',
        'table:events@3',
        'table:events@4',
        'table:events@5',
        'table:user_activity@0',
        'feature-view:user_activity',
        'table:training_v1@0',
        'training-set:training_v1@0',
        'model:buyer@1',
        'online-store:user_activity',
        'table:buyer__predictions@0',
        'table:buyer__predictions@1',
      ].sort(),
    );
    // A file loaded after the training set reaches the table, not the model.
    expect(reached(downstream(graph, file('c.csv'))).filter((id) => !id.startsWith('file:'))).toEqual(['table:events@5']);

    // What the CLI and the server read, the log's graph column, gives the same graph as the whole events.
    const projected = LineageGraph.fromRuns((await LineageLog.forProject(project, engine).runs()).runs);
    expect(projected.nodes.length).toBe(graph.nodes.length);
    expect(new Set(projected.edges.map((e) => `${e.from} ${e.to} ${e.job ?? ''}`))).toEqual(
      new Set(graph.edges.map((e) => `${e.from} ${e.to} ${e.job ?? ''}`)),
    );
    for (const node of graph.nodes) expect(projected.node(node.id)).toEqual(node);
    expect(upstream(projected, 'model:buyer@1')).toEqual(model);
    expect(downstream(projected, file('b.csv'))).toEqual(bad);
  });
});
