import type { ModelStore, ModelVersion, RegisteredModel } from '../../models/index.js';
import { EMPTY, get, search, write, type MlflowContext, type MlflowEndpoint, type MlflowRequest } from './endpoint.js';
import { maxResultsOf } from './experiments.js';
import { matches, parseFilter, type Comparison, type SearchSchema, type ValueOf } from './search/filter.js';
import { parseOrderBy, sortBy } from './search/order-by.js';
import { everyPage, pageOf } from './search/paging.js';
import { invalid } from './fields.js';
import { modelVersionJson, registeredModelJson, tagsFrom, versionFrom } from './wire.js';

const SCHEMA: SearchSchema = {
  entities: new Set(['attribute', 'tag']),
  attributes: { name: 'string', creation_timestamp: 'number', last_updated_timestamp: 'number' },
  aliases: { timestamp: 'creation_timestamp' },
};

const IS_PROMPT = 'mlflow.prompt.is_prompt';

/**
 * MLflow's registry keeps prompts as registered models tagged `mlflow.prompt.is_prompt`, and its
 * client adds ``tags.`mlflow.prompt.is_prompt` != 'true'`` to every model search. MLflow's server
 * reads that as "no prompts", models without the tag included, so it is taken out of the filter
 * and turned into the same rule: only prompts when the filter asks for them, otherwise none.
 */
function withoutPromptClause(filter: readonly Comparison[]): { rest: Comparison[]; prompts: boolean } {
  const clause = filter.find((c) => c.entity === 'tag' && c.key === IS_PROMPT);
  const value = String(clause?.value ?? '').toLowerCase();
  const prompts = clause !== undefined && ((clause.op === '=' && value === 'true') || (clause.op === '!=' && value === 'false'));
  return { rest: filter.filter((c) => c !== clause), prompts };
}

function isPrompt(model: RegisteredModel): boolean {
  return model.tags.some((t) => t.key === IS_PROMPT && t.value.toLowerCase() === 'true');
}

function modelValue(model: RegisteredModel): ValueOf {
  return (entity, key) => {
    if (entity === 'tag') return model.tags.find((t) => t.key === key)?.value;
    return key === 'name' ? model.name : key === 'creation_timestamp' ? model.creationTime : model.lastUpdatedTime;
  };
}

/**
 * The latest version of each stage of each model, as MLflow's registry lists them: versions
 * taken oldest first, each stage placed where its first version was met and holding its newest.
 */
export async function latestVersions(store: ModelStore, names: readonly string[]): Promise<Map<string, ModelVersion[]>> {
  const byStage = new Map<string, Map<string, ModelVersion>>();
  if (names.length === 0) return new Map();
  const versions = await everyPage((pageToken) => store.listModelVersions({ names: [...names], ...(pageToken === undefined ? {} : { pageToken }) }));
  for (const version of versions.sort((a, b) => a.version - b.version)) {
    const stages = byStage.get(version.name) ?? new Map<string, ModelVersion>();
    byStage.set(version.name, stages.set(version.currentStage, version));
  }
  return new Map([...byStage].map(([name, stages]) => [name, [...stages.values()]]));
}

async function registeredModelReply(store: ModelStore, model: RegisteredModel) {
  return { registered_model: registeredModelJson(model, (await latestVersions(store, [model.name])).get(model.name)) };
}

const STAGES: readonly string[] = ['None', 'Staging', 'Production', 'Archived'];

async function latestOfStages({ fields }: MlflowRequest, context: MlflowContext) {
  const store = await context.store();
  const name = fields.string('name');
  await store.getRegisteredModel(name);
  const stages = fields.optStrings('stages').map((asked) => {
    const stage = STAGES.find((s) => s.toLowerCase() === asked.toLowerCase());
    if (stage === undefined) throw invalid(`Invalid Model Version stage: ${asked}. Value must be one of ${STAGES.join(', ')}.`, 'stages');
    return stage;
  });
  const latest = ((await latestVersions(store, [name])).get(name) ?? []).filter((v) => stages.length === 0 || stages.includes(v.currentStage));
  return latest.length === 0 ? EMPTY : { model_versions: latest.map(modelVersionJson) };
}

export const REGISTERED_MODEL_ENDPOINTS: MlflowEndpoint[] = [
  write('registered-models/create', 'register a model name', async ({ fields }, context) => {
    const description = fields.optString('description');
    const model = await (
      await context.store()
    ).createRegisteredModel(fields.string('name'), { tags: tagsFrom(fields), ...(description === undefined ? {} : { description }) });
    return { registered_model: registeredModelJson(model) };
  }),
  get('registered-models/get', 'a registered model with its latest version and aliases', async ({ fields }, context) => {
    const store = await context.store();
    return registeredModelReply(store, await store.getRegisteredModel(fields.string('name')));
  }),
  get('registered-models/search', 'search registered models (name LIKE, tags)', async ({ fields }, context) => {
    const { rest: filter, prompts } = withoutPromptClause(parseFilter(fields.optString('filter'), SCHEMA));
    const orderBy = parseOrderBy(fields.optStrings('order_by'), SCHEMA);
    const maxResults = maxResultsOf(fields, 100, 1000);
    const store = await context.store();
    const models = await everyPage((pageToken) => store.listRegisteredModels(pageToken === undefined ? {} : { pageToken }));
    const sorted = sortBy(
      models.filter((m) => isPrompt(m) === prompts && matches(filter, modelValue(m))),
      orderBy,
      modelValue,
      (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    const page = pageOf(sorted, maxResults, fields.optString('page_token'));
    const latest = await latestVersions(
      store,
      page.items.map((m) => m.name),
    );
    return {
      registered_models: page.items.map((m) => registeredModelJson(m, latest.get(m.name))),
      ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }),
    };
  }),
  write(
    'registered-models/update',
    "change a registered model's description",
    async ({ fields }, context) => {
      const store = await context.store();
      return registeredModelReply(store, await store.updateRegisteredModel(fields.string('name'), { description: fields.optString('description') ?? '' }));
    },
    'PATCH',
  ),
  write('registered-models/rename', 'rename a registered model', async ({ fields }, context) => {
    const store = await context.store();
    return registeredModelReply(store, await store.updateRegisteredModel(fields.string('name'), { newName: fields.string('new_name') }));
  }),
  write(
    'registered-models/delete',
    'delete a registered model and its versions',
    async ({ fields }, context) => {
      await (await context.store()).deleteRegisteredModel(fields.string('name'));
      return EMPTY;
    },
    'DELETE',
  ),
  write('registered-models/set-tag', 'set a tag on a registered model', async ({ fields }, context) => {
    await (await context.store()).setRegisteredModelTag(fields.string('name'), { key: fields.string('key'), value: fields.optString('value') ?? '' });
    return EMPTY;
  }),
  write(
    'registered-models/delete-tag',
    'delete a tag of a registered model',
    async ({ fields }, context) => {
      await (await context.store()).deleteRegisteredModelTag(fields.string('name'), fields.string('key'));
      return EMPTY;
    },
    'DELETE',
  ),
  write('registered-models/alias', 'point an alias (champion, challenger) at a version', async ({ fields }, context) => {
    await (await context.store()).setAlias(fields.string('name'), fields.string('alias'), versionFrom(fields));
    return EMPTY;
  }),
  write(
    'registered-models/alias',
    'remove an alias',
    async ({ fields }, context) => {
      await (await context.store()).deleteAlias(fields.string('name'), fields.string('alias'));
      return EMPTY;
    },
    'DELETE',
  ),
  get('registered-models/alias', 'the version an alias points at', async ({ fields }, context) => ({
    model_version: modelVersionJson(await (await context.store()).getModelVersionByAlias(fields.string('name'), fields.string('alias'))),
  })),
  get('registered-models/get-latest-versions', 'the latest version of each stage asked (all stages when none)', latestOfStages),
  search('registered-models/get-latest-versions', 'the latest version of each stage asked (all stages when none)', latestOfStages),
];
