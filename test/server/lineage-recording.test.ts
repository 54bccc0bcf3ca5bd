import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { LineageLog } from '../../src/lineage/index.js';
import { Project } from '../../src/project/index.js';
import { startServer } from '../../src/server/index.js';
import { tempDir } from '../support/temp.js';

describe('the server records lineage', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  it('logs the runs of requests it served, all of them by the time it has closed', async () => {
    const project = await Project.init(await tempDir('aquifer-server-lineage-'), 'shop');
    const server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
    try {
      for (const id of [1, 2]) {
        const response = await fetch(`${server.url}/v1/ingest/orders`, {
          method: 'POST',
          body: JSON.stringify([{ id }]),
          headers: { 'content-type': 'application/json' },
        });
        expect(response.status, await response.text()).toBeLessThan(300);
      }
    } finally {
      await server.close();
    }
    const events = await LineageLog.forProject(project, engine).events();
    const written = events.filter((e) => e.eventType === 'COMPLETE').flatMap((e) => e.outputs);
    expect(new Set(written.map((o) => o.name))).toEqual(new Set([project.tablePath('orders')]));
    // The table's creation, then one commit per request: the last request's version is the table's last.
    expect(written.at(-1)?.facets?.['version']?.['datasetVersion']).toBe('2');
    expect(new Set(events.map((e) => e.job.namespace))).toEqual(new Set(['shop']));
  });
});
