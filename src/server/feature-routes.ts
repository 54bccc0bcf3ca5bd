import type { Hono } from 'hono';
import { AquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import { openAppliedFeatureStore, type FeatureStore, type PushResult } from '../features/index.js';
import { jobRunsObserved, withJobRun } from '../observe/index.js';
import { httpDataset } from './ingest-route.js';
import type { Project } from '../project/index.js';
import { OnlineFeaturesBody, parseRequest, PushBody } from './feature-requests.js';
import { contextOf } from './request-context.js';
import type { Reader } from '../governance/index.js';
import type { ResponseMasking } from './response-masking.js';

/**
 * Opens the project's feature store on first use; a failed open is retried on the next call.
 * `suspend` closes it and holds every call until its work ends (an erasure rebuilding the
 * embedded online store in place: this process must not keep the old file open).
 */
export type FeatureStoreOpener = (() => Promise<FeatureStore>) & { suspend?: <T>(work: () => Promise<T>) => Promise<T> };

export function featureStoreOpener(project: Project, engine: Engine): FeatureStoreOpener {
  let store: Promise<FeatureStore> | undefined;
  let suspended: Promise<void> | undefined;
  const open = (): Promise<FeatureStore> => {
    if (suspended !== undefined) return suspended.then(open);
    store ??= openAppliedFeatureStore(project, engine);
    store.catch(() => {
      store = undefined;
    });
    return store;
  };
  const suspend = async <T>(work: () => Promise<T>): Promise<T> => {
    let resume = () => {};
    suspended = new Promise<void>((done) => (resume = done));
    try {
      const open = store;
      store = undefined;
      // lmdb-js shares one environment per path within a process: closed here, the erasure's own open is the only one.
      await (await open?.catch(() => undefined))?.online?.close();
      return await work();
    } finally {
      suspended = undefined;
      resume();
    }
  };
  return Object.assign(open, { suspend });
}

/**
 * `POST /get-online-features` with Feast's request and response shapes: the request body's
 * text in, the response's JSON text out. The server answers it on node:http directly, after
 * the request pipeline (serve.ts), never through the Hono app: a lookup is the
 * latency-critical route.
 */
export async function onlineFeaturesJson(
  featureStore: FeatureStoreOpener,
  text: string,
  signal?: Pick<AbortSignal, 'throwIfAborted'>,
  masked?: { masking: ResponseMasking; reader: Reader | undefined },
): Promise<string> {
  const body = parseRequest(OnlineFeaturesBody, parseBody(text), ONLINE_HINT);
  const features = body.features ?? (body.feature_service as string);
  const store = await featureStore();
  // The first call opens the store, which can take long; a caller already answered 503 needs no read.
  signal?.throwIfAborted();
  const response = await store.onlineFeatures({ features, entities: body.entities, fullFeatureNames: body.full_feature_names === true });
  return JSON.stringify(masked === undefined ? response : await masked.masking.onlineAnswer(store, response, masked.reader));
}

/**
 * Feast's `POST /push`, so a Feast HTTP client works unchanged (its `POST
 * /get-online-features` is `onlineFeaturesJson`, served outside the app).
 */
export function registerFeatureRoutes(
  app: Hono,
  featureStore: FeatureStoreOpener,
  project?: Project,
  onPush?: (view: string, to: string, rows: number) => void,
): void {
  app.post('/push', async (c) => {
    const context = contextOf(c.env);
    const body = parseRequest(PushBody, parseBody(context?.text ?? (await c.req.text())), PUSH_HINT);
    const signal = context?.signal;
    const push = async () =>
      (await featureStore()).push({
        view: body.push_source_name,
        columns: body.df,
        ...(body.to === undefined ? {} : { to: body.to }),
        ...(signal === undefined ? {} : { signal }),
      });
    const result = project === undefined || !jobRunsObserved() ? await push() : await pushAsRun(project, body.push_source_name, push);
    onPush?.(body.push_source_name, result.to, result.pushed);
    return c.json({ pushed: result.pushed, to: result.to });
  });
}

/**
 * A push as a job run `ingest.http.<view>`: its input is the `/push` route; its outputs the
 * view's table version (from the table layer, when pushed offline) and its online store.
 */
function pushAsRun(project: Project, view: string, push: () => Promise<PushResult>): Promise<PushResult> {
  const job = { name: `ingest.http.${view}`, type: 'INGEST', processing: 'STREAMING' as const, project: project.root };
  return withJobRun(job, async (run) => {
    const result = await push();
    run.input(httpDataset(project, '/push', result.pushed));
    if (result.onlineWritten !== undefined)
      run.output({
        namespace: `aquifer://${project.config.name}`,
        name: `online-store/${view}`,
        kind: 'online-store',
        statistics: { rowCount: result.onlineWritten },
      });
    return result;
  });
}

const ONLINE_HINT = 'See Feast\'s feature server API: {"features": ["view:feature"], "entities": {"key": [values]}}.';
const PUSH_HINT = 'See Feast\'s feature server API: {"push_source_name": "view", "df": {"column": [values]}, "to": "online"}.';

function parseBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new AquiferError('HTTP_BODY_INVALID', `The body is not valid JSON: ${(error as Error).message}`, { hint: 'Send a JSON object.' });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AquiferError('HTTP_BODY_INVALID', 'The body must be a JSON object', { value: body, hint: 'Send a JSON object.' });
  return body as Record<string, unknown>;
}
