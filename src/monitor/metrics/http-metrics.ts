import { Counter, Histogram, type Registry } from 'prom-client';

/** Request latency buckets, in seconds: online lookups take well under a millisecond, ingestion commits up to the request timeout. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Methods kept as their own label value; anything else is `other`, so a client cannot grow the series. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface Children {
  requests: Counter.Internal;
  duration: Histogram.Internal<'route' | 'method'>;
}

/**
 * `aquifer_http_requests_total{route,method,status}` and
 * `aquifer_http_request_duration_seconds{route,method}`. `route` is a route's template
 * (`/v1/ingest/:table`) or `unmatched`, never the raw path. The labelled children are kept,
 * so a request costs one map lookup, one increment and one observation.
 */
export class HttpMetrics {
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly duration: Histogram<'route' | 'method'>;
  private readonly children = new Map<string, Children>();

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'aquifer_http_requests_total',
      help: 'HTTP requests answered, by route template, method and status (refusals by the request pipeline included).',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'aquifer_http_request_duration_seconds',
      help: 'Time from a request’s arrival to the end of its response, by route template and method.',
      labelNames: ['route', 'method'],
      buckets: HTTP_BUCKETS,
      registers: [registry],
    });
  }

  /** One request done: `status` is the status sent, or `aborted` when the client went before a response started. */
  observe(route: string, method: string | undefined, status: number | 'aborted', seconds: number): void {
    const m = method !== undefined && METHODS.has(method) ? method : 'other';
    const key = `${route} ${m} ${status}`;
    let found = this.children.get(key);
    if (found === undefined) {
      found = { requests: this.requests.labels(route, m, String(status)), duration: this.duration.labels(route, m) };
      this.children.set(key, found);
    }
    found.requests.inc();
    found.duration.observe(seconds);
  }
}
