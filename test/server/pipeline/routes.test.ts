import { describe, expect, it } from 'vitest';
import { matchRoute, routeList, ROUTES } from '../../../src/server/pipeline/routes.js';

describe('matchRoute', () => {
  it('matches by method and path, HEAD as GET, with :name one segment', () => {
    expect(matchRoute('POST', '/v1/ingest/events')).toMatchObject({ route: { path: '/v1/ingest/:table' }, params: { table: 'events' } });
    expect(matchRoute('GET', '/v1/ingest/events').route).toBeUndefined();
    expect(matchRoute('POST', '/v1/ingest/a/b').route).toBeUndefined();
    expect(matchRoute('HEAD', '/health').route?.path).toBe('/health');
    expect(matchRoute('GET', '/api/2.0/mlflow/logged-models/m-1')).toMatchObject({ params: { model_id: 'm-1' } });
    expect(matchRoute('PATCH', '/api/2.0/mlflow/logged-models/m-1/tags').route?.path).toBe('/api/2.0/mlflow/logged-models/:model_id/tags');
    expect(matchRoute('DELETE', '/api/2.0/mlflow/logged-models/m-1/tags/k').route?.method).toBe('DELETE');
    // A static path wins over a parameter in the same place.
    expect(matchRoute('POST', '/api/2.0/mlflow/logged-models/search').route?.role).toBe('reader');
  });

  it('matches a trailing *name over one or more segments, and not over none', () => {
    expect(matchRoute('PUT', '/api/2.0/mlflow-artifacts/artifacts/1/run/artifacts/a/b.txt')).toMatchObject({
      route: { rawBody: true, role: 'writer' },
      params: { path: '1/run/artifacts/a/b.txt' },
    });
    expect(matchRoute('GET', '/api/2.0/mlflow-artifacts/artifacts/x')).toMatchObject({ route: { role: 'reader' }, params: { path: 'x' } });
    // Without a path it is the listing, which takes no upload.
    expect(matchRoute('GET', '/api/2.0/mlflow-artifacts/artifacts')).toMatchObject({ params: {} });
    expect(matchRoute('PUT', '/api/2.0/mlflow-artifacts/artifacts').route).toBeUndefined();
  });

  it('gives every MLflow write a writer role and lists the MLflow routes as one group', () => {
    const mlflow = ROUTES.filter((r) => r.path.startsWith('/api/'));
    expect(mlflow.length).toBeGreaterThan(40);
    for (const route of mlflow) {
      expect(route.group).toBeDefined();
      if (route.method !== 'GET' && !/search|get-latest-versions/.test(route.path)) expect(route.role, `${route.method} ${route.path}`).toBe('writer');
    }
    expect(routeList().filter((r) => r.includes('MLflow'))).toHaveLength(1);
  });
});
