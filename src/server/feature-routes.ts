import type { Hono } from 'hono';
import { AquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import { entityKey, openFeatureStore, type FeatureStore, type OnlineRow } from '../features/index.js';
import { DeltaTable } from '../table/index.js';
import type { Project } from '../project/index.js';

/** Opens the project's feature store on first use; a failed open is retried on the next call. */
export type FeatureStoreOpener = () => Promise<FeatureStore>;

export function featureStoreOpener(project: Project, engine: Engine): FeatureStoreOpener {
  let store: Promise<FeatureStore> | undefined;
  return () => {
    store ??= openFeatureStore(project, engine);
    store.catch(() => {
      store = undefined;
    });
    return store;
  };
}

/**
 * `POST /get-online-features` with Feast's request and response shapes: the request body's
 * text in, the response's JSON text out. Shared by the Hono route and the server's fast
 * path (serve.ts), which calls it straight from node:http.
 */
export async function onlineFeaturesJson(featureStore: FeatureStoreOpener, text: string): Promise<string> {
  const body = parseBody(text);
  if (Array.isArray(body['features']) && !body['features'].every((f) => typeof f === 'string')) throw invalid('"features" must list "view:feature" names', body['features']);
  const features = Array.isArray(body['features']) ? (body['features'] as string[]) : typeof body['feature_service'] === 'string' ? body['feature_service'] : undefined;
  if (features === undefined) throw invalid('The request names no "features" list and no "feature_service"', body);
  const entities = body['entities'];
  if (typeof entities !== 'object' || entities === null || Array.isArray(entities) || !Object.values(entities).every(Array.isArray)) {
    throw invalid('"entities" must map each entity key to a list of values', entities);
  }
  const response = await (await featureStore()).onlineFeatures({ features, entities: entities as Record<string, unknown[]>, fullFeatureNames: body['full_feature_names'] === true });
  return JSON.stringify(response);
}

/**
 * Feast's feature-server API, so a Feast HTTP client works unchanged:
 * `POST /get-online-features` and `POST /push`.
 */
export function registerFeatureRoutes(app: Hono, options: { engine: Engine; project: Project; featureStore: FeatureStoreOpener }): void {
  const featureStore = options.featureStore;

  app.post('/get-online-features', async (c) => c.body(await onlineFeaturesJson(featureStore, await c.req.text()), 200, { 'content-type': 'application/json' }));

  app.post('/push', async (c) => {
    const body = parseBody(await c.req.text());
    const name = body['push_source_name'];
    const df = body['df'];
    const to = typeof body['to'] === 'string' ? body['to'] : 'online';
    if (typeof name !== 'string') throw invalid('"push_source_name" must name a feature view', body);
    if (typeof df !== 'object' || df === null || Array.isArray(df) || !Object.values(df).every(Array.isArray)) throw invalid('"df" must map each column to a list of values', df);
    if (!['online', 'offline', 'online_and_offline'].includes(to)) throw invalid('"to" must be online, offline or online_and_offline', to);
    const store = await featureStore();
    const view = store.repository.featureViews.find((v) => v.name === name);
    if (view === undefined) throw new AquiferError('FEATURE_NOT_FOUND', `No feature view '${name}' to push to`, { value: name, hint: `Push to one of: ${store.repository.featureViews.map((v) => v.name).join(', ')}.` });
    const columns = df as Record<string, unknown[]>;
    const count = Math.max(0, ...Object.values(columns).map((v) => v.length));
    const rows = Array.from({ length: count }, (_, i) => Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, v[i] ?? null])));
    const keys = store.repository.entities.filter((e) => view.entities.includes(e.name)).flatMap((e) => e.joinKeys.map((k) => k.name));
    if (to !== 'online') {
      const table = await DeltaTable.open(view.source.table.startsWith('/') ? view.source.table : options.project.tablePath(view.source.table), { engine: options.engine });
      await table.append({ rows });
    }
    if (to !== 'offline') {
      const online = store.online as NonNullable<FeatureStore['online']>;
      const onlineRows: OnlineRow[] = rows.map((row) => {
        const eventTs = Date.parse(String(row[view.source.timestampField]));
        if (Number.isNaN(eventTs)) throw invalid(`Every pushed row needs its event time in "${view.source.timestampField}"`, row);
        return { key: entityKey(keys.map((k) => row[k])), eventTs, values: Object.fromEntries(view.features.map((f) => [f.name, row[f.name] ?? null])) };
      });
      await online.write(view.name, onlineRows);
    }
    return c.json({ pushed: count, to });
  });
}

function parseBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new AquiferError('HTTP_BODY_INVALID', `The body is not valid JSON: ${(error as Error).message}`, { hint: 'Send a JSON object.' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AquiferError('HTTP_BODY_INVALID', 'The body must be a JSON object', { value: body, hint: 'Send a JSON object.' });
  return body as Record<string, unknown>;
}

function invalid(message: string, value: unknown): AquiferError {
  return new AquiferError('FEATURE_REQUEST_INVALID', message, { value, hint: 'See Feast\'s feature server API: {"features": ["view:feature"], "entities": {"key": [values]}}.' });
}
