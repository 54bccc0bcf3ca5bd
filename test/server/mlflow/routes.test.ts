import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { startServer } from '../../../src/server/index.js';
import { MLFLOW_ENDPOINTS } from '../../../src/server/mlflow/index.js';
import { REPO_ROOT } from '../../support/shared.js';
import { rawRequest } from '../security/raw-request.js';
import { call, useMlflowServer } from './fixture.js';

const fixture = useMlflowServer();

const code = (answer: { status: number; body: Record<string, unknown> }) => `${answer.status} ${String(answer.body['error_code'] ?? '')}`;

async function newRun(experiment: string, tags: { key: string; value: string }[] = []): Promise<{ experimentId: string; runId: string }> {
  const found = await call(fixture, 'GET', 'experiments/get-by-name', { experiment_name: experiment });
  const experimentId =
    found.status === 200
      ? ((found.body['experiment'] as Record<string, string>)['experiment_id'] as string)
      : ((await call(fixture, 'POST', 'experiments/create', { name: experiment })).body['experiment_id'] as string);
  const created = await call(fixture, 'POST', 'runs/create', { experiment_id: experimentId, start_time: Date.now(), tags });
  return { experimentId, runId: ((created.body['run'] as Record<string, unknown>)['info'] as Record<string, string>)['run_id'] as string };
}

describe('the MLflow REST API: errors and auth', () => {
  it("answers MLflow's error bodies: RESOURCE_DOES_NOT_EXIST 404, RESOURCE_ALREADY_EXISTS 400, INVALID_PARAMETER_VALUE 400", async () => {
    expect(code(await call(fixture, 'GET', 'experiments/get-by-name', { experiment_name: 'nope' }))).toBe('404 RESOURCE_DOES_NOT_EXIST');
    expect(code(await call(fixture, 'POST', 'experiments/create', { name: 'dup' }))).toBe('200 ');
    expect(code(await call(fixture, 'POST', 'experiments/create', { name: 'dup' }))).toBe('400 RESOURCE_ALREADY_EXISTS');
    expect(code(await call(fixture, 'POST', 'experiments/create', {}))).toBe('400 INVALID_PARAMETER_VALUE');
    expect(code(await call(fixture, 'GET', 'runs/get', { run_id: 'f'.repeat(32) }))).toBe('404 RESOURCE_DOES_NOT_EXIST');
    const { runId } = await newRun('errors');
    expect(code(await call(fixture, 'POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' }))).toBe('200 ');
    expect(code(await call(fixture, 'POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.1' }))).toBe('200 ');
    expect(code(await call(fixture, 'POST', 'runs/log-parameter', { run_id: runId, key: 'lr', value: '0.2' }))).toBe('400 INVALID_PARAMETER_VALUE');
    expect(code(await call(fixture, 'POST', 'runs/log-metric', { run_id: runId, key: 'acc', value: 'high' }))).toBe('400 INVALID_PARAMETER_VALUE');
    expect(code(await call(fixture, 'POST', 'runs/update', { run_id: runId, status: 'DONE' }))).toBe('400 INVALID_PARAMETER_VALUE');
    const missing = await call(fixture, 'GET', 'registered-models/get', { name: 'ghost' });
    expect(code(missing)).toBe('404 RESOURCE_DOES_NOT_EXIST');
    expect(Object.keys(missing.body).sort()).toEqual(['error_code', 'message']);
  });

  it('answers an unknown MLflow path with a JSON ENDPOINT_NOT_FOUND, and a body that is not JSON with INVALID_PARAMETER_VALUE', async () => {
    expect(code(await call(fixture, 'GET', 'runs/teleport'))).toBe('404 ENDPOINT_NOT_FOUND');
    expect(code(await call(fixture, 'POST', 'runs/get'))).toBe('404 ENDPOINT_NOT_FOUND');
    const bad = await rawRequest(fixture.server.url, {
      path: '/api/2.0/mlflow/experiments/create',
      headers: { authorization: `Bearer ${fixture.tokens.writer}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(`${bad.status} ${String(bad.json['error_code'])}`).toBe('400 INVALID_PARAMETER_VALUE');
  });

  it('needs a token (401 UNAUTHENTICATED), a writer token for writes, and refuses table-scoped tokens', async () => {
    expect(code(await call(fixture, 'GET', 'experiments/search', {}, null))).toBe('401 UNAUTHENTICATED');
    expect(code(await call(fixture, 'POST', 'experiments/create', { name: 'x' }, 'aq_not-a-token'))).toBe('401 UNAUTHENTICATED');
    expect(code(await call(fixture, 'GET', 'experiments/search', {}, fixture.tokens.reader))).toBe('200 ');
    expect(code(await call(fixture, 'POST', 'runs/search', { experiment_ids: ['0'] }, fixture.tokens.reader))).toBe('200 ');
    expect(code(await call(fixture, 'POST', 'experiments/create', { name: 'by-reader' }, fixture.tokens.reader))).toBe('403 PERMISSION_DENIED');
    expect(code(await call(fixture, 'GET', 'experiments/search', {}, fixture.tokens.scoped))).toBe('403 PERMISSION_DENIED');
    const upload = await rawRequest(fixture.server.url, { method: 'PUT', path: '/api/2.0/mlflow-artifacts/artifacts/0/x/artifacts/a.txt', body: 'a' });
    expect(`${upload.status} ${String(upload.json['error_code'])}`).toBe('401 UNAUTHENTICATED');
  });

  it('never shows a file location in an error', async () => {
    const missing = await rawRequest(fixture.server.url, {
      method: 'GET',
      path: '/api/2.0/mlflow-artifacts/artifacts/0/nothing/artifacts/here.txt',
      headers: { authorization: `Bearer ${fixture.tokens.reader}` },
    });
    expect(`${missing.status} ${String(missing.json['error_code'])}`).toBe('404 RESOURCE_DOES_NOT_EXIST');
    expect(missing.text).not.toContain(fixture.project.root);
    expect(missing.text).not.toContain('.aquifer');
  });
});

describe('the MLflow artifact proxy', () => {
  const put = (artifact: string, body: Buffer | string, type = 'application/octet-stream') =>
    rawRequest(fixture.server.url, {
      method: 'PUT',
      path: `/api/2.0/mlflow-artifacts/artifacts/${artifact}`,
      headers: { authorization: `Bearer ${fixture.tokens.writer}`, 'content-type': type },
      body,
    });
  const getBytes = async (artifact: string) => {
    const response = await fetch(`${fixture.server.url}/api/2.0/mlflow-artifacts/artifacts/${artifact}`, {
      headers: { authorization: `Bearer ${fixture.tokens.reader}` },
    });
    return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
  };

  it('stores uploaded bytes as sent, whatever their content type, and lists folders with names relative to the folder', async () => {
    const binary = Buffer.from([0, 255, 254, 10, 13, 128, 0x80, 0xc3]);
    expect((await put('1/run1/artifacts/model/model.onnx', binary)).status).toBe(200);
    expect((await put('1/run1/artifacts/notes.txt', 'hello\n', 'text/plain')).status).toBe(200);
    expect((await put('1/run1/artifacts/cfg/config.json', '{"a": 1}', 'text/plain')).status).toBe(200);
    expect(await getBytes('1/run1/artifacts/model/model.onnx')).toEqual({ status: 200, bytes: binary });
    const list = await fetch(`${fixture.server.url}/api/2.0/mlflow-artifacts/artifacts?path=1/run1/artifacts`, {
      headers: { authorization: `Bearer ${fixture.tokens.reader}` },
    });
    expect(await list.json()).toEqual({
      files: [
        { path: 'cfg', is_dir: true },
        { path: 'model', is_dir: true },
        { path: 'notes.txt', is_dir: false, file_size: 6 },
      ],
    });
    const empty = await fetch(`${fixture.server.url}/api/2.0/mlflow-artifacts/artifacts?path=1/none`, {
      headers: { authorization: `Bearer ${fixture.tokens.reader}` },
    });
    expect(await empty.json()).toEqual({});
  });

  it('refuses paths that climb out of the artifact root, however they are spelled, and writes nothing', async () => {
    for (const artifact of ['1/../../escape.txt', '1/%2e%2e/%2E%2E/escape.txt', '..%2f..%2fescape.txt', '1/run/./x.txt', '1/a%5c..%5cb.txt']) {
      const answer = await put(artifact, 'x');
      expect(`${answer.status} ${String(answer.json['error_code'])}`, artifact).toBe('400 INVALID_PARAMETER_VALUE');
    }
    const list = await rawRequest(fixture.server.url, {
      method: 'GET',
      path: '/api/2.0/mlflow-artifacts/artifacts?path=../..',
      headers: { authorization: `Bearer ${fixture.tokens.reader}` },
    });
    expect(`${list.status} ${String(list.json['error_code'])}`).toBe('400 INVALID_PARAMETER_VALUE');
    expect(existsSync(path.join(fixture.project.root, 'escape.txt'))).toBe(false);
    expect(existsSync(path.join(fixture.project.root, '.aquifer', 'escape.txt'))).toBe(false);
  });

  it("refuses an upload over the project's body limit before storing any of it", async () => {
    const engine = await Engine.create({ threads: 1 });
    const small = await startServer({ engine, project: fixture.project, port: 0, limits: { bodyBytes: 1024 } });
    try {
      const answer = await rawRequest(small.url, {
        method: 'PUT',
        path: '/api/2.0/mlflow-artifacts/artifacts/1/big/artifacts/model.onnx',
        headers: { authorization: `Bearer ${fixture.tokens.writer}`, 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(4096, 1),
      });
      expect(`${answer.status} ${String(answer.json['error_code'])}`).toBe('413 INVALID_PARAMETER_VALUE');
      expect(existsSync(path.join(fixture.project.root, '.aquifer', 'artifacts', '1', 'big'))).toBe(false);
    } finally {
      await small.close();
      engine.close();
    }
  });

  it("answers a multipart upload with MLflow's 501 NOT_IMPLEMENTED for a local store, to writers only, after checking the path", async () => {
    const mpu = (step: string, artifact: string, token: string) =>
      rawRequest(fixture.server.url, {
        path: `/api/2.0/mlflow-artifacts/mpu/${step}/${artifact}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ path: '/tmp/big.bin', num_parts: 2, upload_id: 'u' }),
      });
    for (const step of ['create', 'complete', 'abort']) {
      const answer = await mpu(step, '1/run/artifacts/big.bin', fixture.tokens.writer);
      expect(answer.status).toBe(501);
      // The client falls back to one PUT only when the message starts with MLflow's sentence.
      expect(answer.json).toEqual({
        error_code: 'NOT_IMPLEMENTED',
        message: expect.stringMatching(/^Multipart upload is not supported for the current artifact repository/),
      });
    }
    const byReader = await mpu('create', 'x.bin', fixture.tokens.reader);
    expect(`${byReader.status} ${String(byReader.json['error_code'])}`).toBe('403 PERMISSION_DENIED');
    expect((await mpu('create', '1/%2e%2e/%2e%2e/x.bin', fixture.tokens.writer)).status).toBe(400);
  });

  it('answers server-info with multipart transfers off', async () => {
    const response = await fetch(`${fixture.server.url}/api/3.0/mlflow/server-info`, { headers: { authorization: `Bearer ${fixture.tokens.reader}` } });
    expect(await response.json()).toMatchObject({ multipart_uploads_enabled: false, multipart_downloads_enabled: false });
  });
});

describe('the MLflow REST API: searches and lifecycle', () => {
  it("filters and orders runs/search with MLflow's grammar", async () => {
    const runs: string[] = [];
    for (const [i, acc] of [0.3, 0.9, 0.6].entries()) {
      const { runId, experimentId } = await newRun('search', [{ key: 'team', value: i === 0 ? 'ops' : 'ml' }]);
      runs.push(runId);
      await call(fixture, 'POST', 'runs/log-batch', {
        run_id: runId,
        metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0 }],
        params: [{ key: 'model', value: i === 2 ? 'tree' : 'linear' }],
      });
      if (i === 2) await call(fixture, 'POST', 'runs/update', { run_id: runId, status: 'FINISHED', end_time: Date.now() });
      runs.push(experimentId);
    }
    const experimentId = runs[1] as string;
    const [low, high, mid] = [runs[0], runs[2], runs[4]];
    const search = async (body: Record<string, unknown>) => {
      const answer = await call(fixture, 'POST', 'runs/search', { experiment_ids: [experimentId], ...body }, fixture.tokens.reader);
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return ((answer.body['runs'] as { info: { run_id: string } }[] | undefined) ?? []).map((r) => r.info.run_id);
    };
    expect(await search({ filter: 'metrics.acc > 0.5', order_by: ['metrics.acc DESC'] })).toEqual([high, mid]);
    expect(await search({ order_by: ['metrics.acc ASC'] })).toEqual([low, mid, high]);
    expect(await search({ filter: "params.model = 'linear' and tags.team = 'ml'" })).toEqual([high]);
    expect(await search({ filter: "attributes.status = 'FINISHED'" })).toEqual([mid]);
    expect(await search({ filter: "tags.team ILIKE 'M%'" })).toHaveLength(2);
    expect(await search({ filter: "attributes.run_id IN ('" + String(low) + "')" })).toEqual([low]);
    const paged = await call(fixture, 'POST', 'runs/search', { experiment_ids: [experimentId], max_results: 2, order_by: ['metrics.acc ASC'] });
    expect((paged.body['runs'] as unknown[]).length).toBe(2);
    const rest = await call(fixture, 'POST', 'runs/search', {
      experiment_ids: [experimentId],
      max_results: 2,
      order_by: ['metrics.acc ASC'],
      page_token: paged.body['next_page_token'],
    });
    expect((rest.body['runs'] as { info: { run_id: string } }[]).map((r) => r.info.run_id)).toEqual([high]);
    expect(code(await call(fixture, 'POST', 'runs/search', { experiment_ids: [experimentId], filter: 'metrics.acc >> 1' }))).toBe(
      '400 INVALID_PARAMETER_VALUE',
    );

    await call(fixture, 'POST', 'runs/delete', { run_id: low });
    expect(await search({})).toEqual(expect.not.arrayContaining([low]));
    expect(await search({ run_view_type: 'DELETED_ONLY' })).toEqual([low]);
    await call(fixture, 'POST', 'runs/restore', { run_id: low });
    expect(await search({})).toContain(low);
  });

  it('renames, tags, searches and deletes registered models and versions', async () => {
    const { runId } = await newRun('registry');
    expect(code(await call(fixture, 'POST', 'registered-models/create', { name: 'fraud', description: 'first' }))).toBe('200 ');
    const source = `mlflow-artifacts:/0/${runId}/artifacts/model`;
    for (let i = 0; i < 2; i++) await call(fixture, 'POST', 'model-versions/create', { name: 'fraud', source, run_id: runId });
    await call(fixture, 'POST', 'registered-models/create', { name: 'churn' });

    const got = await call(fixture, 'GET', 'registered-models/get', { name: 'fraud' }, fixture.tokens.reader);
    expect(got.body['registered_model']).toMatchObject({
      name: 'fraud',
      description: 'first',
      latest_versions: [{ version: '2', current_stage: 'None', source, run_id: runId }],
    });
    const latest = await call(fixture, 'POST', 'registered-models/get-latest-versions', { name: 'fraud', stages: ['None'] }, fixture.tokens.reader);
    expect((latest.body['model_versions'] as { version: string }[]).map((v) => v.version)).toEqual(['2']);
    expect(await call(fixture, 'GET', 'model-versions/get-download-uri', { name: 'fraud', version: '1' })).toMatchObject({ body: { artifact_uri: source } });

    const names = async (filter: string) =>
      ((await call(fixture, 'GET', 'registered-models/search', { filter })).body['registered_models'] as { name: string }[] | undefined)?.map((m) => m.name) ??
      [];
    expect(await names("name LIKE 'fr%'")).toEqual(['fraud']);
    expect(await names('')).toEqual(['churn', 'fraud']);

    await call(fixture, 'POST', 'registered-models/set-tag', { name: 'fraud', key: 'owner', value: 'risk' });
    await call(fixture, 'POST', 'model-versions/set-tag', { name: 'fraud', version: '1', key: 'validated', value: 'yes' });
    await call(fixture, 'PATCH', 'model-versions/update', { name: 'fraud', version: '1', description: 'baseline' });
    await call(fixture, 'POST', 'registered-models/alias', { name: 'fraud', alias: 'champion', version: '1' });
    const v1 = await call(fixture, 'GET', 'model-versions/get', { name: 'fraud', version: '1' });
    expect(v1.body['model_version']).toMatchObject({ description: 'baseline', tags: [{ key: 'validated', value: 'yes' }], aliases: ['champion'] });
    const versions = async (filter: string) =>
      ((await call(fixture, 'GET', 'model-versions/search', { filter })).body['model_versions'] as { version: string }[] | undefined)?.map((v) => v.version) ??
      [];
    // MLflow's order: last updated first (version 1's description just changed), then the newest version.
    expect(await versions("name = 'fraud'")).toEqual(['1', '2']);
    expect(await versions(`run_id = '${runId}'`)).toEqual(['1', '2']);
    expect(await versions("tags.validated = 'yes'")).toEqual(['1']);

    await call(fixture, 'DELETE', 'model-versions/delete-tag', { name: 'fraud', version: '1', key: 'validated' });
    await call(fixture, 'DELETE', 'registered-models/delete-tag', { name: 'fraud', key: 'owner' });
    await call(fixture, 'DELETE', 'registered-models/alias', { name: 'fraud', alias: 'champion' });
    expect(code(await call(fixture, 'GET', 'registered-models/alias', { name: 'fraud', alias: 'champion' }))).toBe('404 RESOURCE_DOES_NOT_EXIST');
    await call(fixture, 'PATCH', 'registered-models/update', { name: 'fraud', description: 'second' });
    const renamed = await call(fixture, 'POST', 'registered-models/rename', { name: 'fraud', new_name: 'fraud-v2' });
    expect(renamed.body['registered_model']).toMatchObject({ name: 'fraud-v2', description: 'second' });
    expect((renamed.body['registered_model'] as Record<string, unknown>)['tags']).toBeUndefined();
    await call(fixture, 'DELETE', 'model-versions/delete', { name: 'fraud-v2', version: '2' });
    expect(await versions("name = 'fraud-v2'")).toEqual(['1']);
    await call(fixture, 'DELETE', 'registered-models/delete', { name: 'fraud-v2' });
    expect(await names('')).toEqual(['churn']);
  });

  it('searches, renames, deletes and restores experiments', async () => {
    const created = await call(fixture, 'POST', 'experiments/create', { name: 'lifecycle', tags: [{ key: 'k', value: 'v' }] });
    const id = created.body['experiment_id'] as string;
    const found = async (body: Record<string, unknown>) =>
      ((await call(fixture, 'POST', 'experiments/search', { ...body })).body['experiments'] as { name: string }[] | undefined)?.map((e) => e.name) ?? [];
    expect(await found({ filter: "name LIKE 'life%'" })).toEqual(['lifecycle']);
    expect(await found({ filter: "tags.k = 'v'" })).toEqual(['lifecycle']);
    await call(fixture, 'POST', 'experiments/update', { experiment_id: id, new_name: 'lifecycle-2' });
    await call(fixture, 'POST', 'experiments/delete', { experiment_id: id });
    expect(await found({ filter: "name = 'lifecycle-2'" })).toEqual([]);
    expect(await found({ filter: "name = 'lifecycle-2'", view_type: 'DELETED_ONLY' })).toEqual(['lifecycle-2']);
    await call(fixture, 'POST', 'experiments/restore', { experiment_id: id });
    const get = await call(fixture, 'GET', 'experiments/get', { experiment_id: id });
    expect(get.body['experiment']).toMatchObject({
      experiment_id: id,
      name: 'lifecycle-2',
      lifecycle_stage: 'active',
      artifact_location: `mlflow-artifacts:/${id}`,
    });
  });

  it('keeps one metric point when the same (key, value, timestamp, step) is logged again, deletes run tags, and renames a run by its mlflow.runName tag', async () => {
    const { runId, experimentId } = await newRun('dedupe');
    const model = (
      (await call(fixture, 'POST', 'logged-models', { experiment_id: experimentId, source_run_id: runId })).body['model'] as { info: { model_id: string } }
    ).info.model_id;
    for (const body of [
      { key: 'loss', value: 1, timestamp: 10, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 11, step: 1 },
      { key: 'loss', value: 1, timestamp: 10, step: 0, model_id: model },
    ])
      expect(code(await call(fixture, 'POST', 'runs/log-metric', { run_id: runId, run_uuid: runId, ...body }))).toBe('200 ');
    expect(code(await call(fixture, 'POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 1, model_id: 'm-0123' }))).toBe(
      '404 RESOURCE_DOES_NOT_EXIST',
    );
    const history = await call(fixture, 'GET', 'metrics/get-history', { run_id: runId, metric_key: 'loss', max_results: 25000 });
    expect(history.body['metrics']).toEqual([
      { key: 'loss', value: 1, timestamp: 10, step: 0 },
      { key: 'loss', value: 0.5, timestamp: 11, step: 1 },
    ]);
    const logged = await call(fixture, 'GET', `logged-models/${model}`);
    expect((logged.body['model'] as { data: unknown }).data).toEqual({
      metrics: [{ key: 'loss', value: 1, timestamp: 10, step: 0, model_id: model, run_id: runId }],
    });
    await call(fixture, 'POST', 'runs/set-tag', { run_id: runId, key: 'stage', value: 'dev' });
    await call(fixture, 'POST', 'runs/delete-tag', { run_id: runId, key: 'stage' });
    await call(fixture, 'POST', 'runs/set-tag', { run_id: runId, key: 'mlflow.runName', value: 'renamed' });
    const run = await call(fixture, 'GET', 'runs/get', { run_id: runId });
    const tags = ((run.body['run'] as { data: { tags?: { key: string }[] } }).data.tags ?? []).map((t) => t.key);
    expect(tags).not.toContain('stage');
    expect(run.body['run']).toMatchObject({ info: { run_name: 'renamed' } });
  });
});

describe('docs/models.md', () => {
  it('lists every MLflow endpoint with its method and role', () => {
    const docs = readFileSync(path.join(REPO_ROOT, 'docs', 'models.md'), 'utf8');
    // The table's cells, whatever padding the formatter gives them.
    const rows = new Set(
      docs.split('\n').map((line) =>
        line
          .split('|')
          .slice(1, 4)
          .map((cell) => cell.trim())
          .join(' '),
      ),
    );
    for (const e of MLFLOW_ENDPOINTS) expect(rows, `${e.method} ${e.path}`).toContain(`${e.method} \`${e.path.replace('/api/2.0/mlflow/', '')}\` ${e.role}`);
  });
});
