import { modelDataset, TRAINING_TAGS, trainingSetDataset, type ModelStore, type ModelVersion } from '../../models/index.js';
import { jobRunsObserved, withJobRun } from '../../observe/index.js';
import { EMPTY, get, write, type MlflowEndpoint } from './endpoint.js';
import { maxResultsOf } from './experiments.js';
import { matches, parseFilter, type Comparison, type SearchSchema, type ValueOf } from './search/filter.js';
import { parseOrderBy, sortBy } from './search/order-by.js';
import { everyPage, pageOf } from './search/paging.js';
import { modelVersionJson, tagsFrom, versionFrom } from './wire.js';

const SCHEMA: SearchSchema = {
  entities: new Set(['attribute', 'tag']),
  attributes: {
    name: 'string',
    run_id: 'string',
    source_path: 'string',
    version_number: 'number',
    creation_timestamp: 'number',
    last_updated_timestamp: 'number',
  },
};

function versionValue(v: ModelVersion): ValueOf {
  return (entity, key) => {
    if (entity === 'tag') return v.tags.find((t) => t.key === key)?.value;
    switch (key) {
      case 'name':
        return v.name;
      case 'run_id':
        return v.runId ?? undefined;
      case 'source_path':
        return v.source;
      case 'version_number':
        return v.version;
      case 'creation_timestamp':
        return v.creationTime;
      default:
        return v.lastUpdatedTime;
    }
  };
}

/** `models:/m-<id>`, how MLflow 3 names a logged model as a version's source. */
const LOGGED_MODEL_SOURCE = /^models:\/(m-[^/]+)\/?$/;

/** Where a version's files are, as an artifact URI the client downloads from. */
async function downloadUri(store: ModelStore, version: ModelVersion): Promise<string> {
  const modelId = version.modelId ?? LOGGED_MODEL_SOURCE.exec(version.source)?.[1];
  // A deleted logged model keeps its files, and MLflow still answers a version's location.
  if (modelId !== undefined && modelId !== null) return (await store.getLoggedModel(modelId, { allowDeleted: true })).artifactLocation;
  const run = /^runs:\/([^/]+)\/?(.*)$/.exec(version.source);
  if (run !== null) {
    const root = (await store.getRun(run[1] as string)).info.artifactUri;
    return run[2] === '' ? root : `${root}/${run[2] as string}`;
  }
  return version.source;
}

/** The model names an equality filter on `name` pins, so the store lists only those. */
function namesOf(filter: readonly Comparison[]): string[] | undefined {
  const byName = filter.find((c) => c.entity === 'attribute' && c.key === 'name' && (c.op === '=' || c.op === 'IN'));
  if (byName === undefined) return undefined;
  return Array.isArray(byName.value) ? byName.value : [String(byName.value)];
}

export const MODEL_VERSION_ENDPOINTS: MlflowEndpoint[] = [
  write('model-versions/create', 'register a new version (source models:/m-…, runs:/… or an artifact URI)', async ({ fields }, context) => {
    const store = await context.store();
    const source = fields.string('source');
    const modelId = fields.optString('model_id') || LOGGED_MODEL_SOURCE.exec(source)?.[1];
    let runId = fields.optString('run_id') || undefined;
    // MLflow 3 sends only the logged model; the version's run is the one that logged it.
    if (runId === undefined && modelId !== undefined) runId = (await store.getLoggedModel(modelId)).sourceRunId ?? undefined;
    const description = fields.optString('description');
    const name = fields.string('name');
    const create = () =>
      store.createModelVersion({
        name,
        source,
        tags: tagsFrom(fields),
        ...(runId === undefined ? {} : { runId }),
        ...(modelId === undefined ? {} : { modelId }),
        ...(description === undefined ? {} : { description }),
      });
    const project = context.project;
    if (project === undefined) return { model_version: modelVersionJson(await create()) };
    // A registration is a run from the training set the version's run learned from (when it recorded one) to the version.
    const version = await withJobRun({ name: `models.register.${name}`, type: 'REGISTER', project: project.root }, async (run) => {
      if (runId !== undefined && jobRunsObserved()) {
        const tags = (await store.getRun(runId)).tags;
        const set = tags.find((t) => t.key === TRAINING_TAGS.trainingSet)?.value;
        const setVersion = tags.find((t) => t.key === TRAINING_TAGS.trainingSetVersion)?.value;
        if (set !== undefined) run.input(trainingSetDataset(project.name, set, setVersion));
      }
      const created = await create();
      run.output(modelDataset(project.name, name, created.version));
      return created;
    });
    return { model_version: modelVersionJson(version) };
  }),
  get('model-versions/get', 'a model version', async ({ fields }, context) => ({
    model_version: modelVersionJson(await (await context.store()).getModelVersion(fields.string('name'), versionFrom(fields))),
  })),
  write(
    'model-versions/update',
    "change a version's description",
    async ({ fields }, context) => ({
      model_version: modelVersionJson(
        await (await context.store()).updateModelVersion(fields.string('name'), versionFrom(fields), { description: fields.optString('description') ?? '' }),
      ),
    }),
    'PATCH',
  ),
  write(
    'model-versions/transition-stage',
    "move a version to a stage (MLflow's deprecated stages; archive_existing_versions)",
    async ({ fields }, context) => ({
      model_version: modelVersionJson(
        await (
          await context.store()
        ).transitionModelVersionStage(fields.string('name'), versionFrom(fields), fields.string('stage'), fields.optBool('archive_existing_versions') ?? false),
      ),
    }),
  ),
  write(
    'model-versions/delete',
    'delete a model version',
    async ({ fields }, context) => {
      await (await context.store()).deleteModelVersion(fields.string('name'), versionFrom(fields));
      return EMPTY;
    },
    'DELETE',
  ),
  get('model-versions/search', "search versions (name = 'x', name LIKE, run_id =, tags)", async ({ fields }, context) => {
    const filter = parseFilter(fields.optString('filter'), SCHEMA);
    const orderBy = parseOrderBy(fields.optStrings('order_by'), SCHEMA);
    const maxResults = maxResultsOf(fields, 200_000, 200_000);
    const store = await context.store();
    const names = namesOf(filter);
    const versions = await everyPage((pageToken) =>
      store.listModelVersions({ ...(names === undefined ? {} : { names }), ...(pageToken === undefined ? {} : { pageToken }) }),
    );
    const sorted = sortBy(
      versions.filter((v) => matches(filter, versionValue(v))),
      orderBy,
      versionValue,
      // MLflow's default: last updated first, then name, then newest version.
      (a, b) => b.lastUpdatedTime - a.lastUpdatedTime || (a.name < b.name ? -1 : a.name > b.name ? 1 : b.version - a.version),
    );
    const page = pageOf(sorted, maxResults, fields.optString('page_token'));
    return { model_versions: page.items.map(modelVersionJson), ...(page.nextPageToken === undefined ? {} : { next_page_token: page.nextPageToken }) };
  }),
  get('model-versions/get-download-uri', "the artifact URI of a version's files", async ({ fields }, context) => {
    const store = await context.store();
    return { artifact_uri: await downloadUri(store, await store.getModelVersion(fields.string('name'), versionFrom(fields))) };
  }),
  write('model-versions/set-tag', 'set a tag on a model version', async ({ fields }, context) => {
    await (
      await context.store()
    ).setModelVersionTag(fields.string('name'), versionFrom(fields), { key: fields.string('key'), value: fields.optString('value') ?? '' });
    return EMPTY;
  }),
  write(
    'model-versions/delete-tag',
    'delete a tag of a model version',
    async ({ fields }, context) => {
      await (await context.store()).deleteModelVersionTag(fields.string('name'), versionFrom(fields), fields.string('key'));
      return EMPTY;
    },
    'DELETE',
  ),
];
