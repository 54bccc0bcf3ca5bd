import { AquiferError } from '../../errors.js';
import type { Experiment } from '../../models/index.js';
import { EMPTY, get, search, write, type MlflowEndpoint, type MlflowRequest, type MlflowContext } from './endpoint.js';
import { invalid, type Fields } from './fields.js';
import { matches, parseFilter, type SearchSchema, type ValueOf } from './search/filter.js';
import { parseOrderBy, sortBy } from './search/order-by.js';
import { pageOf } from './search/paging.js';
import { experimentJson, tagsFrom } from './wire.js';

const SCHEMA: SearchSchema = {
  entities: new Set(['attribute', 'tag']),
  attributes: { name: 'string', experiment_id: 'string', creation_time: 'number', last_update_time: 'number' },
};

/** MLflow's view_type / run_view_type. */
export function viewOf(fields: Fields, name: string): 'active' | 'deleted' | 'all' {
  const view = fields.optString(name) ?? 'ACTIVE_ONLY';
  if (view === 'ACTIVE_ONLY' || view === '1') return 'active';
  if (view === 'DELETED_ONLY' || view === '2') return 'deleted';
  if (view === 'ALL' || view === '3') return 'all';
  throw invalid(`Invalid value '${view}' for parameter '${name}': use ACTIVE_ONLY, DELETED_ONLY or ALL.`, name);
}

/** max_results with MLflow's default and ceiling. */
export function maxResultsOf(fields: Fields, fallback: number, ceiling: number): number {
  const value = fields.optInt('max_results') ?? fallback;
  if (value < 1 || value > ceiling) throw invalid(`Invalid value ${value} for parameter 'max_results': it must be between 1 and ${ceiling}.`, 'max_results');
  return value;
}

async function searchExperiments(request: MlflowRequest, context: MlflowContext) {
  const f = request.fields;
  const filter = parseFilter(f.optString('filter'), SCHEMA);
  const orderBy = parseOrderBy(f.optStrings('order_by'), SCHEMA);
  const maxResults = maxResultsOf(f, 1000, 50_000);
  const experiments = await (await context.store()).listExperiments({ view: viewOf(f, 'view_type') });
  const valueOf =
    (e: Experiment): ValueOf =>
    (entity, key) => {
      if (entity === 'tag') return e.tags.find((t) => t.key === key)?.value;
      const field = ATTRIBUTE[key];
      return field === undefined ? undefined : (e[field] as string | number);
    };
  const sorted = sortBy(
    experiments.filter((e) => matches(filter, valueOf(e))),
    orderBy,
    valueOf,
    (a, b) => b.creationTime - a.creationTime || Number(a.experimentId) - Number(b.experimentId),
  );
  const page = pageOf(sorted, maxResults, f.optString('page_token'));
  return { experiments: page.items.map(experimentJson), ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }) };
}

const ATTRIBUTE: Readonly<Record<string, keyof Experiment>> = {
  name: 'name',
  experiment_id: 'experimentId',
  creation_time: 'creationTime',
  last_update_time: 'lastUpdateTime',
};

export const EXPERIMENT_ENDPOINTS: MlflowEndpoint[] = [
  get('experiments/get-by-name', 'an experiment by name', async ({ fields }, context) => {
    const name = fields.string('experiment_name');
    const experiment = await (await context.store()).findExperiment(name);
    if (experiment === undefined)
      throw new AquiferError('MODEL_STORE_NOT_FOUND', `Could not find experiment with name '${name}'`, {
        value: name,
        hint: 'Create it (experiments/create).',
      });
    return { experiment: experimentJson(experiment) };
  }),
  write('experiments/create', 'create an experiment', async ({ fields }, context) => {
    const location = fields.optString('artifact_location');
    const experiment = await (
      await context.store()
    ).createExperiment(fields.string('name'), { tags: tagsFrom(fields), ...(location === undefined || location === '' ? {} : { artifactLocation: location }) });
    return { experiment_id: experiment.experimentId };
  }),
  get('experiments/get', 'an experiment by id', async ({ fields }, context) => ({
    experiment: experimentJson(await (await context.store()).getExperiment(fields.string('experiment_id'))),
  })),
  get('experiments/search', 'search experiments', searchExperiments),
  search('experiments/search', 'search experiments', searchExperiments),
  write('experiments/delete', 'delete an experiment (restorable)', async ({ fields }, context) => {
    await (await context.store()).updateExperiment(fields.string('experiment_id'), { lifecycleStage: 'deleted' });
    return EMPTY;
  }),
  write('experiments/restore', 'restore a deleted experiment', async ({ fields }, context) => {
    await (await context.store()).updateExperiment(fields.string('experiment_id'), { lifecycleStage: 'active' });
    return EMPTY;
  }),
  write('experiments/update', 'rename an experiment', async ({ fields }, context) => {
    await (await context.store()).updateExperiment(fields.string('experiment_id'), { name: fields.string('new_name') });
    return EMPTY;
  }),
  write('experiments/delete-experiment-tag', 'delete a tag of an experiment', async ({ fields }, context) => {
    await (await context.store()).deleteExperimentTag(fields.string('experiment_id'), fields.string('key'));
    return EMPTY;
  }),
  write('experiments/set-experiment-tag', 'set a tag on an experiment', async ({ fields }, context) => {
    await (await context.store()).setExperimentTag(fields.string('experiment_id'), { key: fields.string('key'), value: fields.optString('value') ?? '' });
    return EMPTY;
  }),
];
