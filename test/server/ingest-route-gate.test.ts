import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { setGate, writeSuite } from '../../src/quality/index.js';
import { DeltaTable, field, primitive, struct } from '../../src/table/index.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { quarantineRows, tableRows, tableVersion } from '../support/ingest.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
let project: Project;
let server: RunningServer;

const NOT_NULL = { type: 'expect_column_values_to_not_be_null', kwargs: { column: 'user_id' } };
const ROWS = { type: 'expect_table_row_count_to_be_between', kwargs: { max_value: 3 } };

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  const dir = await tempDir('aquifer-server-gate-');
  const initial = await Project.init(dir);
  await writeSuite(initial, { name: 'strict', expectations: [NOT_NULL, ROWS] });
  await writeSuite(initial, { name: 'lenient', expectations: [NOT_NULL, ROWS], action: 'warn' });
  const schema = struct([field('id', primitive('long')), field('user_id', primitive('long'))]);
  for (const table of ['blocked', 'warned']) await DeltaTable.create(initial.tablePath(table), { engine, schema });
  await setGate(initial, 'blocked', 'strict');
  await setGate(initial, 'warned', 'lenient');
  initial.close();
  project = await Project.open(dir);
  server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
});
afterAll(async () => {
  await server?.close();
  project?.close();
  engine?.close();
});

async function post(table: string, records: readonly unknown[]): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${server.url}/v1/ingest/${table}`, {
    method: 'POST',
    body: JSON.stringify(records),
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('POST /v1/ingest/{table} on a gated table', () => {
  it('commits the good records and quarantines the ones failing a per-row expectation, naming it', async () => {
    const answer = await post('blocked', [
      { id: 1, user_id: 1 },
      { id: 2, user_id: null },
      { id: 3, user_id: 3 },
    ]);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json).toMatchObject({ accepted: 2, quarantined: 1 });
    expect(answer.json['warnings']).toBeUndefined();
    expect((await tableRows(engine, project.tablePath('blocked'))).map((r) => Number(r['id'])).sort()).toEqual([1, 3]);
    expect((await quarantineRows(engine, project.tablePath('blocked'))).map((q) => [q.source['index'], q.reason, q.message])).toEqual([
      [1, 'EXPECTATION_FAILED', `${NOT_NULL.type} ${JSON.stringify(NOT_NULL.kwargs)}`],
    ]);
  });

  it('refuses a request whose table-level expectations fail with 422 QUALITY_GATE_BLOCKED and writes nothing', async () => {
    const location = project.tablePath('blocked');
    const version = await tableVersion(engine, location);
    const quarantined = (await quarantineRows(engine, location)).length;
    const answer = await post(
      'blocked',
      [1, 2, 3, 4, 5].map((id) => ({ id, user_id: id === 5 ? null : id })),
    );
    expect(answer.status).toBe(422);
    expect((answer.json['error'] as { code: string }).code).toBe('QUALITY_GATE_BLOCKED');
    expect(await tableVersion(engine, location)).toBe(version);
    expect((await quarantineRows(engine, location)).length).toBe(quarantined);
  });

  it('lets it through with warnings when the suite says warn', async () => {
    const answer = await post(
      'warned',
      [1, 2, 3, 4, 5].map((id) => ({ id, user_id: id })),
    );
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    expect(answer.json).toMatchObject({ accepted: 5, quarantined: 0, warnings: [{ suite: 'lenient', type: ROWS.type, kwargs: ROWS.kwargs, observed: 5 }] });
    expect((await tableRows(engine, project.tablePath('warned'))).length).toBe(5);
  });
});
