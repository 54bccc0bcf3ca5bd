#!/usr/bin/env node
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedEngine } from '../engine/index.js';
import { describeError } from '../errors.js';
import { aggregationView, FeatureRegistry, openAppliedFeatureStore, trainingSetDefinition, type FeatureRepository } from '../features/index.js';
import { feedbackRows, openModelStore, saveFeedbackTrainingSet, TRAINING_TAGS, type SavedFeedbackTrainingSet } from '../models/index.js';
import { driftReport, renderDriftHtml, tableRelation } from '../monitor/index.js';
import { assetGraph, assetStatus, PIPELINES_DIR, renderAssetTree, runAsset } from '../orchestrate/index.js';
import { Project } from '../project/index.js';
import { renderValidationReport, setGate, validateAndRecord, writeSuite, type ExpectationSuite } from '../quality/index.js';
import { downstream, LineageGraph, LineageLog, recordLineage, renderDot, renderSvg, renderTree, upstream } from '../lineage/index.js';
import { startServer, TokenStore } from '../server/index.js';
import { DeltaTable, describeType, jsonRow } from '../table/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '..', '..', 'data', 'demo');
/** The demo's training command: Node, DuckDB and an ONNX graph, no Python needed. */
const TRAINER = path.resolve(here, '..', '..', 'demo', 'train_model.mjs');
const say = (text = '') => process.stdout.write(`${text}\n`);

/** Hourly activity per user, from the events: the SQL asset the feature view user_hourly_activity reads. */
const HOURLY_SQL = `SELECT user_id, date_trunc('hour', event_time) + INTERVAL 1 HOUR AS window_end,
       count(*) FILTER (WHERE event_type = 'page_view')::BIGINT AS page_views,
       count(*) FILTER (WHERE event_type = 'add_to_cart')::BIGINT AS add_to_carts,
       count(DISTINCT session_id)::BIGINT AS sessions
FROM events GROUP BY ALL`;

const REPOSITORY: FeatureRepository = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }], description: 'A shopper' }],
  featureViews: [
    {
      name: 'user_hourly_activity',
      entities: ['user'],
      source: { kind: 'table', table: 'user_hourly_activity', timestampField: 'window_end' },
      features: [
        { name: 'page_views', type: 'long' },
        { name: 'add_to_carts', type: 'long' },
        { name: 'sessions', type: 'long' },
      ],
      ttl: '6h',
      owner: 'growth@example.com',
      description: 'What a user did in the last full hour',
    },
    // Sliding windows over the raw events, kept in 10-minute tiles: the same definition
    // gives training sets their point-in-time values and the online store its live ones.
    aggregationView({
      name: 'user_activity_windows',
      entities: ['user'],
      source: { kind: 'table', table: 'events', timestampField: 'event_time' },
      interval: '10m',
      aggregations: [
        { function: 'count', window: '1h', name: 'events_1h' },
        { function: 'count_distinct', column: 'session_id', window: '1d', name: 'sessions_1d' },
        { function: 'sum', column: 'price', window: '1d', name: 'spend_1d' },
      ],
      description: 'Rolling activity per user',
    }),
  ],
  featureServices: [
    {
      name: 'purchase_propensity',
      features: [
        'user_hourly_activity:page_views',
        'user_hourly_activity:add_to_carts',
        'user_activity_windows:events_1h',
        'user_activity_windows:sessions_1d',
        'user_activity_windows:spend_1d',
      ],
    },
  ],
};

/** The ingest runs daily at 03:00 UTC (and when a file lands); everything after it runs when what it reads moves. */
const DAILY = { schedule: { cron: '0 3 * * *', timezone: 'UTC' } };
const ON_UPSTREAM = { sensor: { onUpstreamCommit: true } };

/**
 * The demo's pipeline (pipelines/demo.json): files landing → events (ingest) → hourly
 * activity (SQL) → the feature views' materializations → the training set → the model.
 * The scheduler (`aquifer serve`, `aquifer scheduler`) runs it daily: events on its cron, each
 * step after it on its sensor. Dependencies are not listed: Aquifer reads them from the SQL,
 * the feature views' sources and the training set's features.
 */
function pipelineAssets(): Record<string, unknown>[] {
  return [
    {
      name: 'events',
      kind: 'ingest',
      files: 'landing/*.csv',
      partitionColumns: ['event_date'],
      description: 'Clickstream files as they land',
      ...DAILY,
      ...ON_UPSTREAM,
    },
    { name: 'user_hourly_activity', kind: 'sql', sql: HOURLY_SQL, description: 'Activity per user and hour', ...ON_UPSTREAM },
    { name: 'user_hourly_activity_online', kind: 'feature_view', view: 'user_hourly_activity', ...ON_UPSTREAM },
    { name: 'user_activity_windows_online', kind: 'feature_view', view: 'user_activity_windows', ...ON_UPSTREAM },
    {
      name: 'training_purchase_v1',
      kind: 'training_set',
      features: 'purchase_propensity',
      entities: {
        sql: "SELECT user_id, event_time AS event_timestamp, (event_type = 'purchase') AS purchased FROM events WHERE event_type IN ('purchase', 'add_to_cart')",
      },
      model: { name: 'purchase_propensity', version: '1' },
      ...ON_UPSTREAM,
    },
    {
      name: 'purchase_propensity',
      kind: 'model',
      trainingSet: 'training_purchase_v1',
      label: 'purchased',
      command: [process.execPath, TRAINER],
      params: { epochs: '300', learning_rate: '0.5' },
      alias: 'champion',
      ...ON_UPSTREAM,
    },
  ];
}

/**
 * The demo on the embedded default: one process, one project folder, no services.
 * Clickstream files are ingested into a Delta table, features are computed from it,
 * a point-in-time-correct training set is built and saved, and the latest features are
 * materialized and looked up online.
 */
async function main(projectDir: string): Promise<void> {
  await fs.rm(projectDir, { recursive: true, force: true });
  const project = await Project.init(projectDir, 'demo');
  const engine = await sharedEngine();
  // Lineage: every job run below (ingests, the fix, training sets, training, predictions) is kept as OpenLineage events.
  const lineage = recordLineage(project, engine);
  say(`1. Created the project folder ${project.root}.`);

  // The pipeline as assets: what each step is made from, so Aquifer derives the graph and knows what is stale.
  await fs.writeFile(project.featuresPath, `${JSON.stringify(REPOSITORY, null, 2)}\n`);
  await fs.mkdir(path.join(project.root, PIPELINES_DIR), { recursive: true });
  const pipelineFile = path.join(project.root, PIPELINES_DIR, 'demo.json');
  await fs.writeFile(pipelineFile, `${JSON.stringify({ assets: pipelineAssets() }, null, 2)}\n`);
  say(
    `1b. Defined the pipeline in ${path.relative(project.root, pipelineFile)} (features in features.json), scheduled daily at 03:00 UTC; \`aquifer assets graph\` draws it:`,
  );
  for (const line of renderAssetTree(await assetGraph(project, { engine })).split('\n')) say(`     ${line}`);

  // Ingestion: files landing in landing/ go into a Delta table through the ingest asset, exactly once, bad records to quarantine.
  const location = project.tablePath('events');
  const landing = path.join(project.root, 'landing');
  await fs.mkdir(landing, { recursive: true });
  const landFile = (name: string) => fs.copyFile(path.join(DATA, name), path.join(landing, name));
  const rowCount = async (where?: string) => (await (await DeltaTable.open(location, { engine })).scan(where === undefined ? {} : { where })).count();
  await landFile('events-2024-05-01.csv');
  const [first] = await runAsset(project, 'events', { engine });
  say(
    `2. events-2024-05-01.csv landed in landing/ and the ingest asset events loaded it into the Delta table ${location}: ${await rowCount()} events (version ${first?.outputVersion}).`,
  );
  const before = await rowCount();
  await landFile('events-2024-05-02.csv');
  const [second] = await runAsset(project, 'events', { engine });
  say(
    `3. events-2024-05-02.csv landed and events ran again: the file already loaded was skipped, ${(await rowCount()) - before} new events loaded (version ${second?.outputVersion}).`,
  );

  // Data quality: a Great Expectations suite attached to the table as a gate, so bad rows
  // go to the quarantine with the expectation they failed instead of into the table.
  const gateSuite: ExpectationSuite = {
    name: 'events_gate',
    action: 'block',
    expectations: [
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } },
      { type: 'expect_column_values_to_be_in_set', kwargs: { column: 'event_type', value_set: ['page_view', 'search', 'add_to_cart', 'purchase'] } },
      { type: 'expect_column_values_to_be_between', kwargs: { column: 'price', min_value: 0 } },
    ],
  };
  await writeSuite(project, gateSuite);
  await setGate(project, 'events', gateSuite.name);
  const gatedBefore = await rowCount();
  await landFile('late-events-2024-05-02.csv');
  // The ingest asset reads the gate from the project's config as it runs.
  await runAsset(await Project.open(project.root), 'events', { engine });
  const quarantine = await DeltaTable.open(`${location}__quarantine`, { engine });
  const reasons = await engine.query(
    `SELECT message, count(*) AS n FROM (${await (await quarantine.scan({ where: "reason = 'EXPECTATION_FAILED'" })).sql()}) GROUP BY ALL ORDER BY message`,
  );
  say(
    `3b. Attached the suite quality/${gateSuite.name}.json (Great Expectations' JSON) to events as a gate; late-events-2024-05-02.csv landed and events ran: ${(await rowCount()) - gatedBefore} events committed, ${reasons.reduce((n, r) => n + Number(r['n']), 0)} quarantined in events__quarantine with the expectation each failed:`,
  );
  for (const row of reasons) say(`     ${String(row['n'])} × ${String(row['message'])}`);

  const table = await DeltaTable.open(location, { engine });
  say("4. The table's history, newest first:");
  for (const entry of await table.history()) say(`     version ${entry.version}  ${new Date(entry.timestamp).toISOString()}  ${entry.operation ?? '?'}`);
  const atFirst = await (await table.scan({ version: 1 })).count();
  const latest = await (await table.scan()).count();
  say(`   Time travel: version 1 holds ${atFirst} events; the latest version holds ${latest}.`);
  const purchases = await table.scan({ where: "event_date = DATE '2024-05-02' AND event_type = 'purchase'" });
  const plan = await purchases.plan();
  say(
    `   Purchases on 2024-05-02: partition pruning left ${plan.files.length} of ${plan.totalFiles} data files to open; ${await purchases.count()} purchases.`,
  );
  const snapshot = await table.snapshot();
  say(`   Schema: ${snapshot.schema.fields.map((f) => `${f.name} ${describeType(f.type)}`).join(', ')}.`);

  // Features: hourly activity per user, computed from the events by the SQL asset (one job run:
  // lineage records the events version it read and the table it wrote, with the SQL).
  const [hourlyRun] = await runAsset(project, 'user_hourly_activity', { engine });
  const { entry } = await new FeatureRegistry(project).apply(REPOSITORY, engine);
  say(
    `5. The SQL asset user_hourly_activity computed hourly activity per user from events@v${hourlyRun?.inputs['events']} into ${project.tablePath('user_hourly_activity')}; the feature view user_hourly_activity (TTL 6h) and the window aggregations user_activity_windows (events in 1h, sessions and spend in 1d, over the events table) in ${project.featuresPath} were applied as registry version ${entry.version} (what \`aquifer apply\` does).`,
  );

  // The training set with what it needs: the feature views' materializations run first (its views' assets), then the point-in-time join.
  const setRuns = await runAsset(project, 'training_purchase_v1', { withUpstream: true, engine });
  const saved = project.tablePath('training_purchase_v1');
  const savedTable = await DeltaTable.open(saved, { engine });
  const definition = await trainingSetDefinition(savedTable);
  say(
    `6. Ran the training set asset training_purchase_v1 with its upstream (${setRuns.map((r) => r.asset).join(' → ')}): a point-in-time-correct training set (each row sees only the activity before its own time) of ${await (await savedTable.scan()).count()} rows saved to ${saved}, pinned to ${definition.sources.map((s) => `${s.table}@v${s.version}`).join(', ')}. Three rows with activity in the 6 hours before them:`,
  );
  // Printed from the saved table, each value as the server and the CLI print it (longs as numbers, UTC times ending in Z).
  const fields = (await savedTable.snapshot()).schema.fields;
  const shown = await (await savedTable.scan({ where: 'page_views IS NOT NULL', limit: 3 })).rows();
  for (const row of shown) say(`     ${JSON.stringify(jsonRow(row, fields))}`);

  const materialized = setRuns.filter((r) => r.asset.endsWith('_online'));
  say(
    `7. The feature view assets put ${materialized
      .map(
        (r) =>
          `${r.asset} (from ${Object.entries(r.inputs)
            .map(([t, v]) => `${t}@v${v}`)
            .join(', ')})`,
      )
      .join(
        ' and ',
      )} in the online store (LMDB in ${path.join(project.root, '.aquifer', 'online')}): the latest hourly activity per user, and the window tiles.`,
  );
  const store = await openAppliedFeatureStore(project, engine);
  try {
    const users = ['u0001', 'u0219', 'nobody'];
    // The demo's events are from May 2024, so the windows are read as of the end of its last day.
    const at = '2024-05-02T23:59:59Z';
    const online = await store.onlineFeatures({ features: 'purchase_propensity', entities: { user_id: users }, at });
    say(`   Online lookup, windows as of ${at} (the shape Feast's feature server answers):`);
    users.forEach((user, i) => {
      const values = online.results
        .slice(1)
        .map((column, c) => `${online.metadata.feature_names[c + 1]}=${JSON.stringify(column.values[i])} (${column.statuses[i]})`);
      say(`     ${user}: ${values.join(', ')}`);
    });
  } finally {
    await store.online?.close();
  }
  // Validation: the same expectations and more, over the whole table, in one DuckDB pass.
  const checks: ExpectationSuite = {
    name: 'events_checks',
    expectations: [
      ...gateSuite.expectations,
      { type: 'expect_column_values_to_be_unique', kwargs: { column: 'event_id' } },
      { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'product_id', mostly: 0.5 } },
      { type: 'expect_column_mean_to_be_between', kwargs: { column: 'price', min_value: 10, max_value: 500 } },
      {
        type: 'expect_column_quantile_values_to_be_between',
        kwargs: {
          column: 'price',
          quantile_ranges: {
            quantiles: [0.5, 0.95],
            value_ranges: [
              [10, 200],
              [50, 400],
            ],
          },
        },
      },
      { type: 'expect_table_row_count_to_be_between', kwargs: { min_value: 1000 } },
    ],
  };
  await writeSuite(project, checks);
  const recorded = await validateAndRecord(project, table, checks, { tableName: 'events' });
  const reportFile = path.join(project.root, 'quality-report.html');
  await fs.writeFile(reportFile, renderValidationReport(recorded.result, { title: 'events_checks on events' }));
  const failed = recorded.result.results.filter((r) => !r.success);
  say(
    `8. Validated events (version ${String((recorded.result.meta['aquifer'] as { version?: number } | undefined)?.version ?? '?')}) against quality/${checks.name}.json in one DuckDB pass: ${recorded.result.statistics.successful_expectations} of ${recorded.result.statistics.evaluated_expectations} expectations met.`,
  );
  for (const r of failed) {
    say(
      `     failed: ${r.expectation_config.type} ${JSON.stringify(r.expectation_config.kwargs)}: ${String(r.result['unexpected_count'] ?? '')} rows unexpected (${Number(r.result['unexpected_percent'] ?? 0).toFixed(1)}%)`,
    );
  }
  say(
    `   Every failing row is kept in the _quality_failures table (${recorded.failingRows} rows); the report is ${reportFile} (one HTML file, readable offline).`,
  );

  // Models: the model asset, run with its upstream: everything above is fresh, so only the training run runs.
  const modelRuns = await runAsset(project, 'purchase_propensity', { withUpstream: true, engine });
  const modelVersion = modelRuns.at(-1)?.outputVersion;
  const models = await openModelStore(project);
  try {
    if (modelVersion === undefined) throw new Error("the demo's model asset registered no version");
    const version = await models.getModelVersion('purchase_propensity', modelVersion);
    const run = await models.getRun(version.runId ?? '');
    const tag = (key: string) => version.tags.find((t) => t.key === key)?.value ?? '?';
    say(
      `9. Ran the model asset purchase_propensity with its upstream (${modelRuns.map((r) => r.asset).join(', ')}: the rest was fresh): trained with \`node demo/train_model.mjs\` on training_purchase_v1@v${tag(TRAINING_TAGS.trainingSetVersion)} (${tag(TRAINING_TAGS.trainingSetRows)} rows, ${tag(TRAINING_TAGS.trainingSetDigest)}): run ${run.info.runId} ${run.info.status}, ${run.metrics.map((m) => `${m.key} ${m.value.toFixed(3)}`).join(', ')}; registered version ${version.version} (model.onnx) as @champion, in ${path.join(project.root, '.aquifer', 'models.db')}.`,
    );
  } finally {
    await models.close();
  }
  const statuses = await assetStatus(project, { engine });
  say(
    `   \`aquifer assets status\`: ${statuses.map((st) => `${st.name} ${st.status}`).join(', ')}; a file landing in landing/ makes events stale, and \`aquifer run purchase_propensity --with-upstream\` reruns only what is downstream of it.`,
  );

  // Serving: the server predicts with the features the training set used, logs every answer, takes labels back.
  const { token } = await TokenStore.forProject(project).create({ role: 'writer', name: 'demo' });
  const server = await startServer({ project, engine, port: 0 });
  const post = async (route: string, body: unknown): Promise<Record<string, unknown>> => {
    const response = await fetch(`${server.url}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${route} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  let answered: Record<string, unknown>;
  try {
    const shoppers = ['u0001', 'u0219', 'u0300'];
    answered = await post('/v1/models/purchase_propensity@champion/predict', { entities: { user_id: shoppers } });
    const scores = (answered['outputs'] as Record<string, number[][]>)['probability'] ?? [];
    say(
      `10. POST /v1/models/purchase_propensity@champion/predict for ${shoppers.join(', ')} on ${server.url}: version ${String(answered['version'])} read their features from the online store and answered`,
    );
    shoppers.forEach((user, i) =>
      say(
        `     ${user}: purchase probability ${(scores[i]?.[0] ?? NaN).toFixed(3)}, label ${JSON.stringify((answered['predictions'] as unknown[][])[i]?.[0])}`,
      ),
    );
    await post('/v1/models/purchase_propensity/feedback', [
      { request_id: answered['request_id'], row: 0, label: 1 },
      { request_id: answered['request_id'], row: 2, label: 0 },
    ]);
  } finally {
    await server.close();
  }
  const joined = await feedbackRows(project, engine, 'purchase_propensity');
  const feedbackStore = await openModelStore(project);
  let feedbackSet: SavedFeedbackTrainingSet;
  try {
    feedbackSet = await saveFeedbackTrainingSet(project, engine, feedbackStore, { model: 'purchase_propensity', name: 'purchase_feedback' });
  } finally {
    await feedbackStore.close();
  }
  say(
    `    Every answer is in the Delta table purchase_propensity__predictions (request ${String(answered['request_id'])}, its features and scores); two labels came back through /feedback, and feedbackRows() joins them to what was served (${joined.length} rows with labels). Saved as the training set purchase_feedback (${feedbackSet.rows} rows: the features as served, typed, and the label; pinned to ${feedbackSet.origin.predictions.table}@${feedbackSet.origin.predictions.version}), the next version trains on exactly what the model saw: \`aquifer train purchase_propensity --training-set purchase_feedback --label label -- …\`.`,
  );
  // Lineage: what the model came from, and what the late file (with its bad rows) reached.
  await lineage.close();
  const graph = LineageGraph.fromEvents(await LineageLog.forProject(project, engine).events());
  const origin = upstream(graph, `model:purchase_propensity@${String(modelVersion)}`);
  const sources = origin.nodes.filter((n) => n.type === 'file' || n.type === 'stream');
  const picture = path.join(project.root, 'lineage.svg');
  await fs.writeFile(picture, await renderSvg(origin));
  await fs.writeFile(path.join(project.root, 'lineage.dot'), renderDot(origin));
  say(
    `11. Lineage: ${graph.nodes.filter((n) => n.type === 'run').length} job runs are OpenLineage events in .aquifer/lineage. purchase_propensity@${String(modelVersion)} comes from ${sources.length} source files through these runs and versions:`,
  );
  for (const line of renderTree(origin, 'upstream').trimEnd().split('\n')) say(`     ${line}`);
  const reachedByLate = downstream(graph, path.join(project.root, 'landing', 'late-events-2024-05-02.csv'));
  const lateReached = reachedByLate.nodes.filter((n) => n.type !== 'run' && n.type !== 'file').map((n) => n.id);
  say(`    The late file with the bad rows reached ${lateReached.join(', ')}.`);
  say(`    The graph as a picture: ${picture} (Graphviz DOT beside it); \`aquifer lineage upstream|downstream|impact\` ask the same from the shell.`);

  // Monitoring: the second day against the first, as Evidently's DataDriftPreset would judge it, computed in DuckDB.
  const events = await DeltaTable.open(location, { engine });
  const drift = await driftReport(engine, {
    reference: await tableRelation(events, { where: "event_date = DATE '2024-05-01'" }),
    current: await tableRelation(events, { where: "event_date = DATE '2024-05-02'" }),
    columns: ['event_type', 'page', 'price', 'quantity', 'country', 'device'],
    distributions: true,
  });
  const driftPage = path.join(project.root, 'drift.html');
  await fs.writeFile(driftPage, renderDriftHtml(drift, { title: 'events: 2024-05-02 against 2024-05-01' }));
  say(
    `12. Drift of the second day's events against the first (${drift.current.rows} against ${drift.reference.rows} rows): ${drift.dataset.drifted_count} of ${drift.columns.length} columns drifted, so dataset drift is ${drift.dataset.drifted ? 'detected' : 'not detected'} (drift share ${drift.dataset.drift_share}).`,
  );
  for (const c of drift.columns)
    say(`     ${c.column.padEnd(10)} ${c.method.padEnd(30)} ${c.value.toPrecision(3).padStart(10)}  ${c.drifted ? 'drifted' : 'stable'}`);
  say(
    `    Each column's two distributions side by side: ${driftPage}; \`aquifer monitor drift --reference events --reference-where … --current …\` from the shell.`,
  );

  say();
  say(`Done. The tables are plain Delta Lake: Spark, delta-rs, DuckDB and Polars can read them under ${path.join(project.root, 'tables')}.`);
  say(`Try: npx aquifer table read ${path.relative(process.cwd(), location)} --where "event_type = 'purchase'" --limit 5`);
  say(`     npx aquifer models show purchase_propensity champion --project ${path.relative(process.cwd(), project.root)}`);
  say(`     npx aquifer tokens create --role writer --project ${path.relative(process.cwd(), project.root)}   # prints a token once`);
  say(
    `     npx aquifer serve --project ${path.relative(process.cwd(), project.root)}   # then POST /get-online-features or /v1/ingest/events with Authorization: Bearer <token>`,
  );
}

main(path.resolve(process.argv[2] ?? 'demo-project')).catch((error: unknown) => {
  process.stderr.write(`demo failed: ${describeError(error)}\n`);
  process.exitCode = 1;
});
