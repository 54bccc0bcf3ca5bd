import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AquiferError } from '../../src/errors.js';
import { log, setLogLevel } from '../../src/log.js';
import { errorBody, isOipPath, oipErrorBody, publicError } from '../../src/server/error-body.js';

// 5xx errors are logged on purpose; keep them out of the test output.
const level = log.level;
beforeAll(() => setLogLevel('fatal'));
afterAll(() => setLogLevel(level));

describe('error bodies', () => {
  it('shows a 5xx only as its code and the catalogue summary, never its SQL or value', () => {
    const sql = "COPY (SELECT * FROM read_parquet('/srv/project/tables/t/part-0.parquet')) TO '/tmp/aquifer-xyz/out.parquet'";
    const { status, body } = errorBody(new AquiferError('ENGINE_QUERY_FAILED', `DuckDB refused: ${sql}`, { value: sql, hint: 'see /tmp/aquifer-xyz' }));
    expect(status).toBe(500);
    expect(body.error.code).toBe('ENGINE_QUERY_FAILED');
    expect(body.error).not.toHaveProperty('value');
    expect(JSON.stringify(body)).not.toMatch(/SELECT|parquet|\/tmp|\/srv/);
  });

  it("gives the Open Inference Protocol's body the same status and message, a 5xx hidden the same way", () => {
    const sql = "SELECT * FROM read_parquet('/srv/project/tables/t/part-0.parquet')";
    expect(oipErrorBody(new AquiferError('ENGINE_QUERY_FAILED', `DuckDB refused: ${sql}`))).toEqual({
      status: 500,
      body: { error: errorBody(new AquiferError('ENGINE_QUERY_FAILED', 'x')).body.error.message, code: 'ENGINE_QUERY_FAILED' },
    });
    expect(oipErrorBody(new AquiferError('MODEL_INPUT_INVALID', 'Input x is missing'))).toEqual({
      status: 400,
      body: { error: 'Input x is missing', code: 'MODEL_INPUT_INVALID' },
    });
    expect(['/v2', '/v2/models/m/infer', '/v2/health/live'].every(isOipPath)).toBe(true);
    expect(['/v2x', '/v1/models/m/predict', '/api/v2'].some(isOipPath)).toBe(false);
  });

  it('hides anything that is not an AquiferError behind INTERNAL', () => {
    const { status, body } = errorBody(new Error(`ENOENT: no such file, open '${os.tmpdir()}/x.json'`));
    expect(status).toBe(500);
    expect(body.error.code).toBe('INTERNAL');
    expect(JSON.stringify(body)).not.toContain('ENOENT');
  });

  it('replaces the project root, temp and home folders and system paths in a 4xx message, hint and value', () => {
    const root = path.join(os.tmpdir(), 'aquifer-project-1');
    const location = path.join(root, 'tables', 'events');
    const { status, body } = errorBody(
      new AquiferError('TABLE_NOT_FOUND', `No Delta table at ${location} (file:///home/ann/x)`, {
        value: { location, other: '/var/lib/thing' },
        hint: `Create ${location} first`,
      }),
      [root],
    );
    expect(status).toBe(404);
    const text = JSON.stringify(body);
    expect(text).not.toContain(root);
    expect(text).not.toMatch(/\/home\/|\/var\/|\/tmp\//);
    expect(body.error.message).toContain('<path>');
    expect(body.error.value).toEqual({ location: '<path>', other: '<path>' });
  });

  it('keeps route paths and plain values, and drops values too large to be useful', () => {
    expect(errorBody(new AquiferError('HTTP_NOT_FOUND', 'No route for POST /v1/ingest/x/y', { value: 'abc' })).body.error).toMatchObject({
      message: 'No route for POST /v1/ingest/x/y',
      value: 'abc',
    });
    expect(errorBody(new AquiferError('HTTP_BODY_INVALID', 'bad', { value: 'x'.repeat(5_000) })).body.error).not.toHaveProperty('value');
  });
});

describe('an error kept in a record (a run in the history), as a caller sees it', () => {
  it("gives a 5xx's or an unknown code's summary, never its SQL or paths, and a 4xx's message with paths hidden", () => {
    const sql = { code: 'ENGINE_QUERY_FAILED', message: "Binder Error: column x not found\nLINE 1: SELECT x FROM '/srv/shop/tables/t/part-0.parquet'" };
    expect(publicError(sql)).toEqual({ code: 'ENGINE_QUERY_FAILED', message: 'DuckDB refused a statement.' });
    expect(publicError({ message: 'ENOENT /home/me/x' })).toEqual({ message: 'An unexpected error; it is logged.' });
    expect(publicError({ code: 'NOT_A_CODE', message: '/srv/x' }).message).toBe('An unexpected error; it is logged.');
    expect(publicError({ code: 'ASSET_PARTITION_INVALID', message: 'The partition 2099-01-01 of /srv/shop/x is in the future' }, ['/srv/shop'])).toEqual({
      code: 'ASSET_PARTITION_INVALID',
      message: 'The partition 2099-01-01 of <path> is in the future',
    });
  });
});
