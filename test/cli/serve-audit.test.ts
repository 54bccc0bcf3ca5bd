import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/index.js';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { startServe } from '../support/serve.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;
beforeAll(async () => {
  engine = await Engine.create({ threads: 1 });
});
afterAll(() => engine.close());

describe('aquifer serve and the audit log', () => {
  it('commits the entries of requests answered just before SIGTERM: nothing batched is lost', async () => {
    const project = await Project.init(await tempDir('aquifer-serve-audit-'), 'shop');
    const server = await startServe(['serve', '--project', project.root, '--port', '0', '--anonymous', 'loopback']);
    try {
      for (const id of [1, 2, 3]) {
        const response = await fetch(`${server.url}/v1/ingest/orders`, {
          method: 'POST',
          body: JSON.stringify([{ id }]),
          headers: { 'content-type': 'application/json' },
        });
        expect(response.status, await response.text()).toBeLessThan(300);
      }
    } finally {
      // Straight after the last answer, while its entry may still wait in the batch.
      expect(await server.stop()).toBe(0);
    }
    const entries = await AuditLog.forProject(project, engine).list({ table: 'orders' });
    expect(entries.map((e) => `${e.principal} ${e.action} ${e.status} ${e.rows}`)).toEqual([
      'anonymous POST /v1/ingest/:table 200 1',
      'anonymous POST /v1/ingest/:table 200 1',
      'anonymous POST /v1/ingest/:table 200 1',
    ]);
  });
});
