import type { Context, Hono } from 'hono';
import { AquiferError } from '../errors.js';
import { LineageGraph, MarquezView, type LineageResult, type OpenLineageRunEvent } from '../lineage/index.js';

/** Where the lineage routes read run events: the project's lineage log, or what a test hands in. */
export type LineageEventSource = () => Promise<readonly OpenLineageRunEvent[]>;

/** Where the lineage queries get their graph: by default one built from the events. */
export type LineageGraphSource = () => Promise<LineageGraph>;

function parameter(c: Context, name: string, example: string): string {
  const value = c.req.query(name);
  if (value === undefined || value === '')
    throw new AquiferError('HTTP_QUERY_INVALID', `The query parameter '${name}' is required`, { value: name, hint: `Send ?${name}=${example}.` });
  return value;
}

function notFound(what: string, value: string): AquiferError {
  return new AquiferError('LINEAGE_NODE_NOT_FOUND', `No lineage event names the ${what} '${value}'`, {
    value,
    hint: 'List what is known with GET /api/v1/namespaces and /api/v1/namespaces/{namespace}/jobs or /datasets.',
  });
}

/**
 * The lineage queries (`/v1/lineage/upstream?node=`, `/downstream?source=`, `/impact?column=`)
 * answering `{nodes, edges}`, and Marquez's read API (`/api/v1/namespaces`, jobs, datasets,
 * `/api/v1/lineage?nodeId=`) closely enough for its web UI. Each request reads the events
 * (or brings the graph up to date) again, so an answer includes every run logged before it.
 */
export function registerLineageRoutes(
  app: Hono,
  events: LineageEventSource,
  graph: LineageGraphSource = async () => LineageGraph.fromEvents(await events()),
): void {
  const query = (path: string, name: string, example: string, run: (graph: LineageGraph, spec: string) => LineageResult) =>
    app.get(path, async (c) => {
      const spec = parameter(c, name, example);
      return c.json(run(await graph(), spec));
    });
  query('/v1/lineage/upstream', 'node', 'model:churn@1', (g, s) => g.upstream(s));
  query('/v1/lineage/downstream', 'source', '/data/trips.csv', (g, s) => g.downstream(s));
  query('/v1/lineage/impact', 'column', 'trips.fare', (g, s) => g.impact(s));

  app.get('/api/v1/namespaces', async (c) => c.json(new MarquezView(await events()).namespaces()));
  app.get('/api/v1/namespaces/*', async (c) => {
    const view = new MarquezView(await events());
    const found = marquezPath(view, c.req.path);
    const page = { limit: integer(c.req.query('limit'), 100), offset: integer(c.req.query('offset'), 0) };
    switch (found.kind) {
      case 'namespace':
        return c.json(view.namespaces().namespaces.find((n) => n.name === found.namespace));
      case 'jobs':
        return c.json(view.jobList(found.namespace, page, runStates(c)));
      case 'datasets':
        return c.json(view.datasetList(found.namespace, page));
      case 'job': {
        const job = view.job(found.namespace, found.name);
        if (job === undefined) throw notFound('job', `${found.namespace}:${found.name}`);
        return c.json(job);
      }
      case 'dataset': {
        const dataset = view.dataset(found.namespace, found.name);
        if (dataset === undefined) throw notFound('dataset', `${found.namespace}:${found.name}`);
        return c.json(dataset);
      }
      case 'runs': {
        const runs = view.runs(found.namespace, found.name, page);
        if (runs === undefined) throw notFound('job', `${found.namespace}:${found.name}`);
        return c.json(runs);
      }
      case 'versions': {
        const versions = view.datasetVersions(found.namespace, found.name, page);
        if (versions === undefined) throw notFound('dataset', `${found.namespace}:${found.name}`);
        return c.json(versions);
      }
      case 'jobVersions': {
        const versions = view.jobVersions(found.namespace, found.name, page);
        if (versions === undefined) throw notFound('job', `${found.namespace}:${found.name}`);
        return c.json(versions);
      }
      case 'jobVersion': {
        if (view.job(found.namespace, found.name) === undefined) throw notFound('job', `${found.namespace}:${found.name}`);
        const version = view.jobVersion(found.namespace, found.name, found.version);
        if (version === undefined) throw notFound('job version', `${found.namespace}:${found.name}:${found.version}`);
        return c.json(version);
      }
      default:
        throw new AquiferError('HTTP_NOT_FOUND', `No Marquez endpoint GET ${c.req.path}`, {
          hint: 'Aquifer answers /api/v1/namespaces, /namespaces/{ns}/jobs[/{job}[/runs|/versions[/{version}]]], /namespaces/{ns}/datasets[/{dataset}[/versions]] and /lineage.',
        });
    }
  });
  app.get('/api/v1/lineage', async (c) => {
    const nodeId = parameter(c, 'nodeId', 'dataset:file:/data/trips.csv');
    const graph = new MarquezView(await events()).lineage(nodeId, integer(c.req.query('depth'), 20));
    if (graph === undefined) throw notFound('node', nodeId);
    return c.json(graph);
  });
  app.get('/api/v1/jobs', async (c) => {
    const page = { limit: integer(c.req.query('limit'), 100), offset: integer(c.req.query('offset'), 0) };
    return c.json(new MarquezView(await events()).jobList(undefined, page, runStates(c)));
  });
  app.get('/api/v1/jobs/runs/:id', async (c) => {
    const run = new MarquezView(await events()).run(c.req.param('id'));
    if (run === undefined) throw notFound('run', c.req.param('id'));
    return c.json(run);
  });
  app.get('/api/v1/jobs/runs/:id/facets', async (c) => {
    const type = parameter(c, 'type', 'run');
    if (type !== 'run' && type !== 'job')
      throw new AquiferError('HTTP_QUERY_INVALID', `'${type}' is not a facet type`, { value: type, hint: 'Send ?type=run or ?type=job.' });
    const facets = new MarquezView(await events()).runFacets(c.req.param('id'), type);
    if (facets === undefined) throw notFound('run', c.req.param('id'));
    return c.json(facets);
  });
  app.get('/api/v1/search', async (c) => {
    const filter = oneOf(c.req.query('filter'), ['JOB', 'DATASET'] as const, 'filter');
    const sort = oneOf(c.req.query('sort'), ['NAME', 'UPDATED_AT'] as const, 'sort');
    const namespace = c.req.query('namespace');
    return c.json(
      new MarquezView(await events()).search({
        q: parameter(c, 'q', 'trips'),
        limit: integer(c.req.query('limit'), 100),
        ...(filter === undefined ? {} : { filter }),
        ...(sort === undefined ? {} : { sort }),
        ...(namespace === undefined || namespace === '' ? {} : { namespace }),
      }),
    );
  });
  app.get('/api/v1/column-lineage', async (c) => {
    const nodeId = parameter(c, 'nodeId', 'datasetField:file:/proj/tables/trips:fare');
    const downstream = c.req.query('withDownstream') === 'true';
    const graph = new MarquezView(await events()).columnLineage(nodeId, integer(c.req.query('depth'), 20), downstream);
    if (graph === undefined) throw notFound('node', nodeId);
    return c.json(graph);
  });
  app.get('/api/v1/events/lineage', async (c) => {
    const direction = oneOf(c.req.query('sortDirection'), ['ASC', 'DESC'] as const, 'sortDirection');
    const time = (name: string) => {
      const value = c.req.query(name);
      if (value === undefined || value === '') return undefined;
      if (Number.isNaN(Date.parse(value)))
        throw new AquiferError('HTTP_QUERY_INVALID', `'${value}' is not a date-time`, {
          value,
          hint: `Send ${name} as ISO-8601, such as 2026-01-01T00:00:00Z.`,
        });
      return value;
    };
    const before = time('before');
    const after = time('after');
    return c.json(
      new MarquezView(await events()).eventList({
        limit: integer(c.req.query('limit'), 100),
        offset: integer(c.req.query('offset'), 0),
        sortDirection: direction === 'ASC' ? 'asc' : 'desc',
        ...(before === undefined ? {} : { before }),
        ...(after === undefined ? {} : { after }),
      }),
    );
  });
}

/** A query value from a fixed set, matched case-insensitively (the web UI sends `JOB`, the spec's examples `job`). */
function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string): T | undefined {
  if (value === undefined || value === '' || (name === 'filter' && value.toUpperCase() === 'ALL')) return undefined;
  const found = allowed.find((a) => a === value.toUpperCase());
  if (found === undefined)
    throw new AquiferError('HTTP_QUERY_INVALID', `'${value}' is not a ${name}`, { value, hint: `Send ${name} as one of ${allowed.join(', ').toLowerCase()}.` });
  return found;
}

const RUN_STATES = ['NEW', 'RUNNING', 'COMPLETED', 'FAILED', 'ABORTED'] as const;

/** `?lastRunStates=COMPLETED&lastRunStates=FAILED`, as Marquez's job lists take it (none: every state). */
function runStates(c: Context): (typeof RUN_STATES)[number][] {
  return (c.req.queries('lastRunStates') ?? []).map((value) => {
    const state = RUN_STATES.find((s) => s === value.toUpperCase());
    if (state === undefined)
      throw new AquiferError('HTTP_QUERY_INVALID', `'${value}' is not a run state`, { value, hint: `Send lastRunStates as one of ${RUN_STATES.join(', ')}.` });
    return state;
  });
}

function integer(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value))
    throw new AquiferError('HTTP_QUERY_INVALID', `'${value}' is not a whole number`, { value, hint: 'Send limit, offset and depth as whole numbers.' });
  return Number(value);
}

type MarquezTarget =
  | { kind: 'namespace'; namespace: string }
  | { kind: 'jobs' | 'datasets'; namespace: string }
  | { kind: 'job' | 'dataset' | 'runs' | 'versions' | 'jobVersions'; namespace: string; name: string }
  | { kind: 'jobVersion'; namespace: string; name: string; version: string }
  | { kind: 'none' };

/**
 * The namespace and name a Marquez path names. The request pipeline folds repeated slashes
 * and drops empty segments (`aquifer://demo` arrives as `aquifer:/demo`, `/tables/x` as
 * `tables/x`), so both are matched against the names events gave, compared folded too.
 */
function marquezPath(view: MarquezView, rawPath: string): MarquezTarget {
  const segments = rawPath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => decodeURIComponent(s))
    .slice(3);
  const fold = (s: string) =>
    s
      .split('/')
      .filter((p) => p !== '')
      .join('/');
  const namespaces = view.namespaces().namespaces.map((n) => n.name);
  for (let end = segments.length - 1; end >= 1; end--) {
    const kind = segments[end];
    if (kind !== 'jobs' && kind !== 'datasets') continue;
    const namespace = namespaces.find((n) => fold(n) === fold(segments.slice(0, end).join('/')));
    if (namespace === undefined) continue;
    const rest = segments.slice(end + 1).join('/');
    if (rest === '') return { kind, namespace };
    if (kind === 'jobs') {
      // A job's runs or versions, unless a job is itself named so.
      if (view.job(namespace, rest) !== undefined) return { kind: 'job', namespace, name: rest };
      if (rest.endsWith('/runs')) return { kind: 'runs', namespace, name: rest.slice(0, -'/runs'.length) };
      const versions = /^(.+)\/versions(?:\/([^/]+))?$/.exec(rest);
      if (versions === null) return { kind: 'job', namespace, name: rest };
      const [, name, version] = versions as unknown as [string, string, string | undefined];
      return version === undefined ? { kind: 'jobVersions', namespace, name } : { kind: 'jobVersion', namespace, name, version };
    }
    const names = view.datasetNames(namespace);
    const named = names.find((n) => fold(n) === fold(rest));
    if (named === undefined && rest.endsWith('/versions')) {
      const base = rest.slice(0, -'/versions'.length);
      return { kind: 'versions', namespace, name: names.find((n) => fold(n) === fold(base)) ?? base };
    }
    return { kind: 'dataset', namespace, name: named ?? rest };
  }
  const namespace = namespaces.find((n) => fold(n) === fold(segments.join('/')));
  return namespace === undefined ? { kind: 'none' } : { kind: 'namespace', namespace };
}
