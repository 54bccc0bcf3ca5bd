import type { Role } from '../auth/roles.js';
import { MLFLOW_ROUTES } from '../mlflow/endpoints.js';

const JSON_TYPES = ['application/json'] as const;
/** The media types of a body of JSON lines (one record per line), which ingestion takes beside a JSON array. */
export const NDJSON_TYPES: ReadonlySet<string> = new Set(['application/x-ndjson', 'application/jsonl', 'application/json-seq', 'application/jsonlines']);
const INGEST_TYPES = [...JSON_TYPES, ...NDJSON_TYPES];
const MARQUEZ_GROUP =
  "Marquez's read API for its web UI: GET /api/v1/namespaces[/{ns}/jobs[/{job}[/runs|/versions[/{version}]]]|/{ns}/datasets[/{dataset}[/versions]]], /api/v1/jobs, /api/v1/lineage?nodeId=, /api/v1/column-lineage?nodeId=, /api/v1/jobs/runs/{id}[/facets?type=], /api/v1/search?q=, /api/v1/events/lineage";

/** What the pipeline needs to know about a route before any handler runs. */
export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `:name` matches one path segment; a trailing `*name` matches the rest of the path (one or more segments). */
  path: string;
  /** The least role a token needs; undefined for public routes. */
  role: Role | undefined;
  /** Accepted body content types; empty for routes without a body (unless `rawBody`). */
  contentTypes: readonly string[];
  /** A body of any content type, kept as bytes: not decoded as UTF-8 nor checked as JSON (artifact uploads). */
  rawBody?: boolean;
  /**
   * The binary tensor data extension of the Open Inference Protocol (Triton's): with an
   * `Inference-Header-Content-Length` header only that many leading bytes are JSON (decoded
   * and checked as any JSON body); the rest are tensor bytes. Its clients send
   * `application/octet-stream` or no Content-Type at all.
   */
  binaryTensorData?: boolean;
  /** Routes listed together in help and hints rather than one by one (the MLflow REST API). */
  group?: string;
  summary: string;
  /** The names a scoped token must cover: tables, push sources, feature views or services. */
  scopeNames?: (params: Readonly<Record<string, string>>, body: () => unknown) => string[];
  /** A scope that lets a token call the route whatever its role and scopes otherwise allow (`governance` for the governance routes). */
  grantingScope?: string;
}

/** Every route the server answers, in one list: the pipeline, `serve --help` and 404 hints read it. */
export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/health', role: undefined, contentTypes: [], summary: 'liveness, no token needed' },
  {
    method: 'GET',
    path: '/metrics',
    role: 'reader',
    contentTypes: [],
    summary: 'Prometheus metrics (text format 0.0.4): requests, ingestion, predictions, tables; a reader token (docs/monitoring.md)',
    // The metrics span every table and model, which no scope names: a scoped token is refused.
    scopeNames: () => [],
  },
  {
    method: 'POST',
    path: '/v1/ingest/:table',
    role: 'writer',
    contentTypes: INGEST_TYPES,
    summary: 'land records (JSON array or NDJSON; Idempotency-Key) in a table',
    scopeNames: (params) => [params['table'] ?? ''],
  },
  {
    method: 'POST',
    path: '/get-online-features',
    role: 'reader',
    contentTypes: JSON_TYPES,
    summary: "online feature lookup (Feast's feature-server JSON)",
    scopeNames: (_params, body) => lookupNames(body()),
  },
  {
    method: 'POST',
    path: '/push',
    role: 'writer',
    contentTypes: JSON_TYPES,
    summary: 'push rows to a feature view online and/or offline (Feast)',
    scopeNames: (_params, body) => [String(field(body(), 'push_source_name') ?? '')],
  },
  {
    method: 'POST',
    path: '/v1/quality/validate',
    role: 'reader',
    contentTypes: JSON_TYPES,
    summary: "validate a table against a suite (GE's result JSON; results kept in the project)",
    scopeNames: (_params, body) => [String(field(body(), 'table') ?? '')],
  },
  ...assetRoutes(),
  ...modelRoutes(),
  ...MLFLOW_ROUTES,
  ...lineageRoutes(),
  ...governanceRoutes(),
  {
    method: 'GET',
    path: '/v1/audit',
    role: 'admin',
    contentTypes: [],
    summary: 'the audit log, newest first (?table=&since=ISO&principal=&limit=): who did what to which table, when, with what result',
    // The log spans every table and caller, which no scope names: a scoped token is refused.
    scopeNames: () => [],
  },
];

/**
 * Governance: the report spans every table, so it needs an admin token (unscoped) or one with
 * the `governance` scope; a table's tags are a reader's, scoped to the table, or the `governance`
 * scope's; erasure and retention an unscoped admin's.
 */
function governanceRoutes(): RouteSpec[] {
  return [
    {
      method: 'GET',
      path: '/v1/governance/report',
      role: 'admin',
      contentTypes: [],
      summary: 'every tagged column, declared or derived through lineage, with its path (?limit=&offset=); an admin token or the governance scope',
      scopeNames: () => [],
      grantingScope: 'governance',
    },
    {
      method: 'GET',
      path: '/v1/tables/:name/tags',
      role: 'reader',
      contentTypes: [],
      summary: "a table's column tags (?version=)",
      scopeNames: (params) => [params['name'] ?? ''],
      grantingScope: 'governance',
    },
    // Erasure and retention delete rows from every table: an unscoped admin token only (the governance scope reads, it does not delete).
    {
      method: 'POST',
      path: '/v1/governance/erase',
      role: 'admin',
      contentTypes: JSON_TYPES,
      summary: 'erase subjects from every copy ({entity: {column: value}} or {where}, dryRun?): a dry run answers the plan; an erasure 202 with its id',
      scopeNames: () => [],
    },
    {
      method: 'GET',
      path: '/v1/governance/erasures/:id',
      role: 'admin',
      contentTypes: [],
      summary: 'one erasure: running, succeeded or failed, with its report and proof',
      scopeNames: () => [],
    },
    {
      method: 'POST',
      path: '/v1/governance/enforce',
      role: 'admin',
      contentTypes: JSON_TYPES,
      summary: 'delete the rows past their retention period ({dryRun?}): what was removed, per table',
      scopeNames: () => [],
    },
  ];
}

/**
 * The asset API (docs/orchestration.md). The graph and the run lists span every asset, which no
 * scope names, so a scoped token is refused there (an empty name list); a launch needs a token
 * scoped to the asset it runs, and an unscoped one when it runs what is upstream too.
 */
function assetRoutes(): RouteSpec[] {
  const read = (path: string, summary: string): RouteSpec => ({ method: 'GET', path, role: 'reader', contentTypes: [], summary, scopeNames: () => [] });
  return [
    read('/v1/assets', 'the asset graph ({assets, edges}), each asset with its status per partition (fresh, stale, failed, never)'),
    read('/v1/runs', 'asset runs, newest first (?asset=&limit=, up to 1,000)'),
    read('/v1/runs/:id', 'one asset run: status, times, error, table versions read and written'),
    {
      method: 'POST',
      path: '/v1/runs',
      role: 'writer',
      contentTypes: JSON_TYPES,
      summary: 'launch an asset run ({asset, partition?, withUpstream?}): 202 with its id, its end in GET /v1/runs/{id}',
      scopeNames: (_params, body) => (field(body(), 'withUpstream') === true ? [] : [String(field(body(), 'asset') ?? '')]),
    },
  ];
}

/**
 * Lineage queries and Marquez's read API. An answer spans every table and job of the project,
 * which no scope names, so a scoped token is refused (an empty name list).
 */
function lineageRoutes(): RouteSpec[] {
  const route = (path: string, summary: string, group?: string): RouteSpec => ({
    method: 'GET',
    path,
    role: 'reader',
    contentTypes: [],
    summary,
    scopeNames: () => [],
    ...(group === undefined ? {} : { group }),
  });
  return [
    route('/v1/lineage/upstream', 'what a node was made from (?node=model:NAME@VERSION, training-set:NAME, TABLE[@V]): {nodes, edges}'),
    route('/v1/lineage/downstream', 'what a source reached (?source=a file path, kafka:TOPIC[:P[:FROM-TO]], TABLE[@V], TABLE.COLUMN)'),
    route('/v1/lineage/impact', 'what reads a column (?column=TABLE.COLUMN): features, training sets, suites, models'),
    route('/api/v1/namespaces', 'Marquez: namespaces', MARQUEZ_GROUP),
    route('/api/v1/namespaces/*path', 'Marquez: jobs and datasets of a namespace, runs and versions of a job, versions of a dataset', MARQUEZ_GROUP),
    route('/api/v1/jobs', 'Marquez: the jobs of every namespace (?lastRunStates=&limit=&offset=)', MARQUEZ_GROUP),
    route('/api/v1/lineage', 'Marquez: the lineage graph around a node', MARQUEZ_GROUP),
    route('/api/v1/column-lineage', 'Marquez: the column lineage graph around a dataset or field', MARQUEZ_GROUP),
    route('/api/v1/jobs/runs/:id', 'Marquez: a run', MARQUEZ_GROUP),
    route('/api/v1/jobs/runs/:id/facets', 'Marquez: the run or job facets of a run (?type=run|job)', MARQUEZ_GROUP),
    route('/api/v1/search', 'Marquez: jobs and datasets whose name matches (?q=)', MARQUEZ_GROUP),
    route('/api/v1/events/lineage', 'Marquez: the run events logged (?before=&after=&limit=&offset=)', MARQUEZ_GROUP),
  ];
}

/**
 * Prediction routes. A model is `name`, `name@alias`, or `name` plus `versions/{version}`;
 * a scoped token must cover the model's name (without the alias).
 */
function modelRoutes(): RouteSpec[] {
  const scopeNames = (params: Readonly<Record<string, string>>) => [(params['name'] ?? '').replace(/@[^@]*$/, '')];
  const route = (method: RouteSpec['method'], path: string, role: Role, summary: string): RouteSpec => ({
    method,
    path,
    role,
    contentTypes: method === 'POST' ? JSON_TYPES : [],
    summary,
    scopeNames,
    ...(path.endsWith('/infer') ? { binaryTensorData: true, contentTypes: [...JSON_TYPES, 'application/octet-stream'] } : {}),
  });
  // Each with and without a `versions/{version}` segment, the newest version (or `name@alias`) without.
  const both = (method: RouteSpec['method'], path: string, summary: string) => [
    route(method, path.replace('/:name', '/:name/versions/:version'), 'reader', summary),
    route(method, path, 'reader', summary),
  ];
  return [
    { method: 'GET', path: '/v2/health/live', role: undefined, contentTypes: [], summary: 'Open Inference Protocol liveness, no token needed' },
    { method: 'GET', path: '/v2/health/ready', role: undefined, contentTypes: [], summary: 'Open Inference Protocol readiness, no token needed' },
    { method: 'GET', path: '/v2', role: 'reader', contentTypes: [], summary: 'Open Inference Protocol server metadata' },
    ...both('POST', '/v1/models/:name/predict', 'predict for entity keys (features from the online store); every row logged'),
    route('POST', '/v1/models/:name/feedback', 'writer', 'labels for logged predictions ({"request_id", "label"} or a list)'),
    ...both('POST', '/v2/models/:name/infer', 'Open Inference Protocol inference (tensors in, tensors out)'),
    ...both('GET', '/v2/models/:name/ready', 'Open Inference Protocol model readiness'),
    ...both('GET', '/v2/models/:name', 'Open Inference Protocol model metadata'),
  ];
}

export type RouteMatch = { route: RouteSpec; params: Record<string, string> } | { route: undefined };

interface CompiledRoute {
  route: RouteSpec;
  segments: readonly string[];
  /** The name of a trailing `*name` segment. */
  rest: string | undefined;
}

/**
 * Routes without parameters are found by one map lookup (the online lookup path must not pay
 * for the MLflow API's dozens of routes); the rest are tried in list order.
 */
const exact = new Map<string, RouteSpec>();
const patterned: CompiledRoute[] = [];
for (const route of ROUTES) {
  if (!/\/[:*]/.test(route.path)) {
    exact.set(`${route.method} ${route.path}`, route);
    continue;
  }
  const segments = route.path.split('/');
  const last = segments[segments.length - 1] as string;
  const rest = last.startsWith('*') ? last.slice(1) : undefined;
  patterned.push({ route, segments: rest === undefined ? segments : segments.slice(0, -1), rest });
}

export function matchRoute(method: string, path: string): RouteMatch {
  const wanted = method === 'HEAD' ? 'GET' : method;
  const route = exact.get(`${wanted} ${path}`);
  if (route !== undefined) return { route, params: {} };
  const got = path.split('/');
  for (const compiled of patterned) {
    if (compiled.route.method !== wanted) continue;
    const params = matchPath(compiled, got);
    if (params !== undefined) return { route: compiled.route, params };
  }
  return { route: undefined };
}

function matchPath(compiled: CompiledRoute, got: readonly string[]): Record<string, string> | undefined {
  const want = compiled.segments;
  if (compiled.rest === undefined ? want.length !== got.length : got.length <= want.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(':')) params[w.slice(1)] = g;
    else if (w !== g) return undefined;
  }
  if (compiled.rest !== undefined) params[compiled.rest] = got.slice(want.length).join('/');
  return params;
}

/** Every route as `METHOD /path`, a group of routes as one entry: for 404 hints and help. */
export function routeList(): string[] {
  const groups = new Set<string>();
  const out: string[] = [];
  for (const route of ROUTES) {
    if (route.group === undefined) out.push(`${route.method} ${route.path}`);
    else if (!groups.has(route.group)) {
      groups.add(route.group);
      out.push(route.group);
    }
  }
  return out;
}

function field(body: unknown, name: string): unknown {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)[name] : undefined;
}

/** The views a lookup reads (`view:feature` names) or the feature service it names. */
function lookupNames(body: unknown): string[] {
  const features = field(body, 'features');
  if (Array.isArray(features)) return features.map((f) => String(f).split(':')[0] as string);
  return [String(field(body, 'feature_service') ?? '')];
}
