import { Hono, type Context, type Next } from 'hono';
import { AquiferError } from '../errors.js';
import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { errorBody, isOipPath, oipErrorBody } from './error-body.js';
import { isMlflowPath, mlflowErrorBody, registerMlflowRoutes } from './mlflow/index.js';
import { modelStoreOpener, type ModelStoreOpener } from './model-store-opener.js';
import { featureStoreOpener, registerFeatureRoutes, type FeatureStoreOpener } from './feature-routes.js';
import { registerIngestRoute } from './ingest-route.js';
import { GraphSnapshotFile, LineageGraphCache, LineageLog } from '../lineage/index.js';
import { registerLineageRoutes, type LineageEventSource } from './lineage-routes.js';
import { registerGovernanceRoutes } from './governance-routes.js';
import { registerGovernanceJobRoutes } from './governance-job-routes.js';
import { GovernanceJobs } from './governance-jobs.js';
import { registerModelRoutes } from './model-routes.js';
import { ArtifactStore, ModelServing } from '../models/index.js';
import { ServerMetrics } from '../monitor/index.js';
import { registerQualityRoute } from './quality-route.js';
import { registerAuditRoute } from './audit-route.js';
import { currentAuditScope } from '../audit/index.js';
import { AssetRunLaunches, registerAssetRoutes } from './asset-routes.js';
import { routeList } from './pipeline/routes.js';
import { contextOf } from './request-context.js';
import { raceSignal } from './request-deadline.js';
import { ResponseMasking } from './response-masking.js';

export interface AppOptions {
  engine: Engine;
  project: Project;
  /** How long ingestion remembers an Idempotency-Key on the tables it creates (see IngestRouteOptions). */
  idempotencyWindow?: string;
  /** The project's feature store, opened on first use and shared with the server's fast routes. */
  featureStore?: FeatureStoreOpener;
  /** The project's model store behind the MLflow API (and prediction's default), opened on first use. */
  modelStore?: ModelStoreOpener;
  /** Online prediction over the project's registry; the caller flushes its log (`close`) when it stops serving. */
  models?: ModelServing;
  /** The run events the lineage routes query: the project's lineage log by default. */
  lineageEvents?: LineageEventSource;
  /** The server's metrics, answered on `GET /metrics` and fed by ingestion (a registry of the app's own by default). */
  metrics?: ServerMetrics;
  /** Commits the audit entries still batched, before `GET /v1/audit` reads the log. */
  flushAudit?: () => Promise<void>;
  /** The asset runs `POST /v1/runs` starts, for the server to wait for on shutdown (the app's own by default). */
  assetRuns?: AssetRunLaunches;
  /** Masking of answers for callers without the `pii` scope (the app's own by default). */
  masking?: ResponseMasking;
  /** The erasures and retention enforcements the governance routes run, for the server to wait for on shutdown (the app's own by default). */
  governanceJobs?: GovernanceJobs;
}

const MLFLOW_HINT = 'See docs/models.md for the MLflow endpoints Aquifer answers.';

/**
 * The HTTP API's routes. Errors become JSON bodies with the error's code, message and hint,
 * and a status from its code. Only startServer (serve.ts) hands it requests, after the request
 * pipeline (token, limits, content type, canonical path) has admitted them: the app alone
 * checks none of that.
 */
export function buildApp(options: AppOptions): Hono {
  const app = new Hono();
  // When the request's deadline passes first, the error handler answers 503 now; the handler
  // left running sees the same signal and stops at its next safe point, before any commit.
  app.use(async (c, next) => {
    const signal = contextOf(c.env)?.signal;
    if (signal === undefined) return next();
    await raceSignal(next(), signal);
  });
  app.get('/health', (c) => c.json({ status: 'ok' }));
  const metrics = options.metrics ?? new ServerMetrics({ project: options.project, engine: options.engine });
  app.get('/metrics', async (c) => c.body(await metrics.text(), 200, { 'content-type': metrics.contentType }));
  registerIngestRoute(app, {
    engine: options.engine,
    project: options.project,
    onCommit: (table, outcome) => metrics.ingest.committed(table, outcome),
    ...(options.idempotencyWindow === undefined ? {} : { idempotencyWindow: options.idempotencyWindow }),
  });
  const featureStore = options.featureStore ?? featureStoreOpener(options.project, options.engine);
  registerFeatureRoutes(app, featureStore, options.project, (view, to, rows) => metrics.features.push(view, to, rows));
  const masking = options.masking ?? new ResponseMasking(options.project, options.engine);
  registerQualityRoute(app, { engine: options.engine, project: options.project, masking });
  registerAssetRoutes(app, { engine: options.engine, project: options.project, launches: options.assetRuns ?? new AssetRunLaunches() });
  const modelStore = options.modelStore ?? modelStoreOpener(options.project);
  // One artifact store for the MLflow proxy and serving: a model uploaded through one is read by the other.
  const artifacts = ArtifactStore.forProject(options.project);
  registerModelRoutes(
    app,
    options.models ??
      new ModelServing({ project: options.project, engine: options.engine, featureStore, store: modelStore, artifacts, logObserver: metrics.predictions }),
    (model, labels) => metrics.predictions.feedback(model, labels),
  );
  const lineageLog = LineageLog.forProject(options.project, options.engine);
  // Lineage answers carry column statistics (min, max, sum): masked for callers without the pii scope.
  const lineageMask = async (c: Context, next: Next) => {
    await next();
    const principal = contextOf(c.env)?.principal;
    if (c.res.status !== 200 || !(c.res.headers.get('content-type') ?? '').includes('json')) return;
    const answer: unknown = await c.res.clone().json();
    const masked = await masking.lineageAnswer(answer, principal, options.lineageEvents ?? (() => lineageLog.events()));
    if (masked !== answer) c.res = new Response(JSON.stringify(masked), { status: 200, headers: c.res.headers });
  };
  app.use('/v1/lineage/*', lineageMask);
  app.use('/api/v1/*', lineageMask);
  if (options.lineageEvents !== undefined) registerLineageRoutes(app, options.lineageEvents);
  else {
    // The graph is kept between requests and extended from the log's new commits only.
    const graphs = new LineageGraphCache(lineageLog, { snapshot: GraphSnapshotFile.forProject(options.project) });
    registerLineageRoutes(
      app,
      () => lineageLog.events(),
      () => graphs.graph(),
    );
  }
  registerGovernanceRoutes(app, {
    engine: options.engine,
    project: options.project,
    events: options.lineageEvents ?? (() => lineageLog.events()),
  });
  registerGovernanceJobRoutes(app, {
    engine: options.engine,
    project: options.project,
    jobs: options.governanceJobs ?? new GovernanceJobs(options.project),
    featureStore,
  });
  registerAuditRoute(app, {
    project: options.project,
    engine: options.engine,
    ...(options.flushAudit === undefined ? {} : { flush: options.flushAudit }),
  });
  registerMlflowRoutes(app, {
    store: modelStore,
    artifacts,
    project: { root: options.project.root, name: options.project.config.name },
  });
  app.notFound((c) => {
    if (isMlflowPath(c.req.path)) {
      const { status, body } = mlflowErrorBody(new AquiferError('HTTP_NOT_FOUND', `No MLflow endpoint ${c.req.method} ${c.req.path}`, { hint: MLFLOW_HINT }));
      return c.json(body, status as 404);
    }
    const notFound = new AquiferError('HTTP_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`, {
      hint: `Routes: ${routeList().join(', ')}.`,
    });
    if (isOipPath(c.req.path)) return c.json(oipErrorBody(notFound).body, 404);
    return c.json({ error: notFound.toJSON() }, 404);
  });
  app.onError((error, c) => {
    // MLflow's client reads MLflow's error body (it creates an experiment on RESOURCE_DOES_NOT_EXIST),
    // and Triton's and KServe's clients read the Open Inference Protocol's ({"error": "<message>"}).
    const roots = [options.project.root];
    const path = c.req.path;
    const { status, body } = isMlflowPath(path) ? mlflowErrorBody(error, roots) : isOipPath(path) ? oipErrorBody(error, roots) : errorBody(error, roots);
    const code = (error as { code?: unknown }).code;
    // The request's audit entry keeps the typed error's code (its message may hold values).
    const scope = currentAuditScope();
    if (scope !== undefined && typeof code === 'string') scope.errorCode ??= code;
    return c.json(body, status as 400);
  });
  return app;
}
