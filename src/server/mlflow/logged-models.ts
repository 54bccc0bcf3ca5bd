import type { LoggedModel, LoggedModelStatus } from '../../models/index.js';
import { EMPTY, get, search, write, type MlflowEndpoint } from './endpoint.js';
import { maxResultsOf } from './experiments.js';
import { invalid } from './fields.js';
import { matches, parseFilter, type SearchSchema, type ValueOf } from './search/filter.js';
import { everyPage, pageOf } from './search/paging.js';
import { loggedModelJson, tagsFrom } from './wire.js';

const SCHEMA: SearchSchema = {
  entities: new Set(['attribute', 'param', 'tag']),
  attributes: {
    name: 'string',
    model_id: 'string',
    status: 'string',
    source_run_id: 'string',
    model_type: 'string',
    creation_timestamp: 'number',
    last_updated_timestamp: 'number',
  },
  aliases: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' },
};

const ATTRIBUTE: Readonly<Record<string, keyof LoggedModel>> = {
  name: 'name',
  model_id: 'modelId',
  status: 'status',
  source_run_id: 'sourceRunId',
  model_type: 'modelType',
  creation_timestamp: 'creationTime',
  last_updated_timestamp: 'lastUpdatedTime',
};

const STATUSES: ReadonlySet<string> = new Set(['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED']);

function modelValue(model: LoggedModel): ValueOf {
  return (entity, key) => {
    if (entity === 'param') return model.params.find((p) => p.key === key)?.value;
    if (entity === 'tag') return model.tags.find((t) => t.key === key)?.value;
    const value = model[ATTRIBUTE[key] as keyof LoggedModel];
    return typeof value === 'string' || typeof value === 'number' ? value : undefined;
  };
}

/** MLflow 3's logged models: `mlflow.<flavor>.log_model` creates one, uploads its files, then marks it ready. */
export const LOGGED_MODEL_ENDPOINTS: MlflowEndpoint[] = [
  write('logged-models', 'create a logged model (MLflow 3)', async ({ fields }, context) => {
    const name = fields.optString('name');
    const sourceRunId = fields.optString('source_run_id');
    const modelType = fields.optString('model_type');
    const model = await (
      await context.store()
    ).createLoggedModel({
      experimentId: fields.string('experiment_id'),
      params: tagsFrom(fields, 'params'),
      tags: tagsFrom(fields),
      ...(name === undefined || name === '' ? {} : { name }),
      ...(sourceRunId === undefined || sourceRunId === '' ? {} : { sourceRunId }),
      ...(modelType === undefined || modelType === '' ? {} : { modelType }),
    });
    return { model: loggedModelJson(model) };
  }),
  search('logged-models/search', 'search logged models', async ({ fields }, context) => {
    const filter = parseFilter(fields.optString('filter'), SCHEMA);
    const maxResults = maxResultsOf(fields, 100, 50_000);
    const store = await context.store();
    const experimentIds = fields.optStrings('experiment_ids');
    const models = await everyPage((pageToken) => store.searchLoggedModels({ experimentIds, ...(pageToken === undefined ? {} : { pageToken }) }));
    const page = pageOf(
      models.filter((m) => matches(filter, modelValue(m))).sort((a, b) => b.creationTime - a.creationTime || (a.modelId < b.modelId ? -1 : 1)),
      maxResults,
      fields.optString('page_token'),
    );
    return { models: page.items.map(loggedModelJson), ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }) };
  }),
  get(
    'logged-models/:model_id',
    'a logged model with its params, tags and metrics (?allow_deleted=true for a deleted one)',
    async ({ params, fields }, context) => ({
      model: loggedModelJson(
        await (
          await context.store()
        ).getLoggedModel(params['model_id'] as string, { allowDeleted: fields.optString('allow_deleted')?.toLowerCase() === 'true' }),
      ),
    }),
  ),
  write(
    'logged-models/:model_id',
    'delete a logged model (gone from get and search; its files stay)',
    async ({ params }, context) => {
      await (await context.store()).deleteLoggedModel(params['model_id'] as string);
      return EMPTY;
    },
    'DELETE',
  ),
  write(
    'logged-models/:model_id',
    'finalize a logged model (status LOGGED_MODEL_READY once its files are up)',
    async ({ params, fields }, context) => {
      const status = fields.string('status');
      if (!STATUSES.has(status)) throw invalid(`Invalid value '${status}' for parameter 'status'.`, 'status');
      const model = await (await context.store()).updateLoggedModel(params['model_id'] as string, { status: status as LoggedModelStatus });
      return { model: loggedModelJson(model) };
    },
    'PATCH',
  ),
  write(
    'logged-models/:model_id/tags',
    'set tags on a logged model',
    async ({ params, fields }, context) => {
      const store = await context.store();
      const modelId = params['model_id'] as string;
      await store.setLoggedModelTags(modelId, tagsFrom(fields));
      return { model: loggedModelJson(await store.getLoggedModel(modelId, { allowDeleted: true })) };
    },
    'PATCH',
  ),
  write('logged-models/:model_id/params', 'log params of a logged model (write-once)', async ({ params, fields }, context) => {
    await (await context.store()).logLoggedModelParams(params['model_id'] as string, tagsFrom(fields, 'params'));
    return EMPTY;
  }),
  {
    // The client sends this DELETE without a body (everything is in the path), so it needs no content type.
    ...write(
      'logged-models/:model_id/tags/:tag_key',
      'delete a tag of a logged model',
      async ({ params }, context) => {
        await (await context.store()).deleteLoggedModelTag(params['model_id'] as string, params['tag_key'] as string);
        return EMPTY;
      },
      'DELETE',
    ),
    body: 'none',
  },
];
