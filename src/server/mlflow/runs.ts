import type { Run, RunInfo, RunStatus } from '../../models/index.js';
import { EMPTY, get, search, write, type MlflowContext, type MlflowEndpoint, type MlflowRequest } from './endpoint.js';
import { maxResultsOf, viewOf } from './experiments.js';
import { invalid, type Fields } from './fields.js';
import { matches, parseFilter, type SearchSchema, type ValueOf } from './search/filter.js';
import { parseOrderBy, sortBy } from './search/order-by.js';
import { everyPage, pageOf } from './search/paging.js';
import { datasetInputsFrom, metricFrom, metricJson, modelOutputsFrom, runInfoJson, runJson, tagsFrom } from './wire.js';

const RUN_SCHEMA: SearchSchema = {
  entities: new Set(['metric', 'param', 'tag', 'attribute']),
  attributes: {
    run_id: 'string',
    run_name: 'string',
    status: 'string',
    user_id: 'string',
    artifact_uri: 'string',
    lifecycle_stage: 'string',
    start_time: 'number',
    end_time: 'number',
  },
  aliases: { created: 'start_time', Created: 'start_time', 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name' },
};

const ATTRIBUTE: Readonly<Record<string, keyof RunInfo>> = {
  run_id: 'runId',
  run_name: 'runName',
  status: 'status',
  user_id: 'userId',
  artifact_uri: 'artifactUri',
  lifecycle_stage: 'lifecycleStage',
  start_time: 'startTime',
  end_time: 'endTime',
};

const STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED']);

/** The run a request names: `run_id`, or the legacy `run_uuid` the client sends beside it. */
const runIdOf = (fields: Fields): string => fields.oneOf('run_id', 'run_uuid');

function runValue(run: Run): ValueOf {
  return (entity, key) => {
    if (entity === 'metric') return run.metrics.find((m) => m.key === key)?.value;
    if (entity === 'param') return run.params.find((p) => p.key === key)?.value;
    if (entity === 'tag') return run.tags.find((t) => t.key === key)?.value;
    const value = run.info[ATTRIBUTE[key] as keyof RunInfo];
    return value === null ? undefined : value;
  };
}

async function searchRuns({ fields }: MlflowRequest, context: MlflowContext) {
  const filter = parseFilter(fields.optString('filter'), RUN_SCHEMA);
  const orderBy = parseOrderBy(fields.optStrings('order_by'), RUN_SCHEMA);
  const maxResults = maxResultsOf(fields, 1000, 50_000);
  const store = await context.store();
  const experimentIds = fields.optStrings('experiment_ids');
  const view = viewOf(fields, 'run_view_type');
  // MLflow's grammar is evaluated here, over every run of the experiments: the store pages by
  // start time only, and a filter can drop any page.
  const runs = await everyPage((pageToken) => store.searchRuns({ experimentIds, view, ...(pageToken === undefined ? {} : { pageToken }) }));
  const sorted = sortBy(
    runs.filter((run) => matches(filter, runValue(run))),
    orderBy,
    runValue,
    (a, b) => b.info.startTime - a.info.startTime || (a.info.runId < b.info.runId ? -1 : a.info.runId > b.info.runId ? 1 : 0),
  );
  const page = pageOf(sorted, maxResults, fields.optString('page_token'));
  return { runs: page.items.map(runJson), ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }) };
}

export const RUN_ENDPOINTS: MlflowEndpoint[] = [
  write('runs/create', 'start a run', async ({ fields }, context) => {
    const runName = fields.optString('run_name');
    const userId = fields.optString('user_id');
    const startTime = fields.optInt('start_time');
    const run = await (
      await context.store()
    ).createRun({
      experimentId: fields.optString('experiment_id') ?? '0',
      tags: tagsFrom(fields),
      ...(runName === undefined || runName === '' ? {} : { runName }),
      ...(userId === undefined ? {} : { userId }),
      ...(startTime === undefined ? {} : { startTime }),
    });
    return { run: runJson(run) };
  }),
  get('runs/get', 'a run with its latest metrics, params, tags, inputs and outputs', async ({ fields }, context) => ({
    run: runJson(await (await context.store()).getRun(runIdOf(fields))),
  })),
  write('runs/update', 'end or rename a run (status, end_time, run_name)', async ({ fields }, context) => {
    const status = fields.optString('status');
    if (status !== undefined && !STATUSES.has(status)) throw invalid(`Invalid value '${status}' for parameter 'status'.`, 'status');
    const endTime = fields.optInt('end_time');
    const runName = fields.optString('run_name');
    const run = await (
      await context.store()
    ).updateRun(runIdOf(fields), {
      ...(status === undefined ? {} : { status: status as RunStatus }),
      ...(endTime === undefined ? {} : { endTime }),
      ...(runName === undefined || runName === '' ? {} : { runName }),
    });
    return { run_info: runInfoJson(run.info) };
  }),
  write('runs/delete', 'delete a run (restorable)', async ({ fields }, context) => {
    await (await context.store()).setRunLifecycle(fields.string('run_id'), 'deleted');
    return EMPTY;
  }),
  write('runs/restore', 'restore a deleted run', async ({ fields }, context) => {
    await (await context.store()).setRunLifecycle(fields.string('run_id'), 'active');
    return EMPTY;
  }),
  write('runs/log-parameter', 'log a parameter (write-once)', async ({ fields }, context) => {
    await (await context.store()).logBatch(runIdOf(fields), { params: [{ key: fields.string('key'), value: paramValue(fields) }] });
    return EMPTY;
  }),
  write('runs/log-metric', 'log a metric point', async ({ fields }, context) => {
    await (await context.store()).logBatch(runIdOf(fields), { metrics: [metricFrom(fields, Date.now())] });
    return EMPTY;
  }),
  write('runs/log-batch', 'log metrics, params and tags in one call', async ({ fields }, context) => {
    const now = Date.now();
    await (
      await context.store()
    ).logBatch(fields.string('run_id'), {
      metrics: fields.list('metrics').map((m) => metricFrom(m, now)),
      params: fields.list('params').map((p) => ({ key: p.string('key'), value: paramValue(p) })),
      tags: tagsFrom(fields),
    });
    return EMPTY;
  }),
  write('runs/set-tag', 'set a tag on a run (mlflow.runName renames it)', async ({ fields }, context) => {
    await (await context.store()).logBatch(runIdOf(fields), { tags: [{ key: fields.string('key'), value: fields.optString('value') ?? '' }] });
    return EMPTY;
  }),
  write('runs/delete-tag', 'delete a tag of a run', async ({ fields }, context) => {
    await (await context.store()).deleteRunTag(fields.string('run_id'), fields.string('key'));
    return EMPTY;
  }),
  write('runs/log-inputs', 'log the datasets a run read', async ({ fields }, context) => {
    await (await context.store()).logInputs(fields.string('run_id'), datasetInputsFrom(fields));
    return EMPTY;
  }),
  write('runs/outputs', 'log the models a run produced', async ({ fields }, context) => {
    await (await context.store()).logOutputs(fields.string('run_id'), modelOutputsFrom(fields));
    return EMPTY;
  }),
  search('runs/search', "search runs (MLflow's filter and order_by grammar)", searchRuns),
  get('metrics/get-history', "every point of one of a run's metrics", async ({ fields }, context) => {
    const history = await (await context.store()).metricHistory(runIdOf(fields), fields.string('metric_key'));
    const page = pageOf(history, Math.max(1, fields.optInt('max_results') ?? history.length), fields.optString('page_token'));
    return { metrics: page.items.map((m) => metricJson(m)), ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }) };
  }),
];

function paramValue(fields: Fields): string {
  return fields.optString('value') ?? '';
}
