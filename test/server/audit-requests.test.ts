import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, auditLogLocation } from '../../src/audit/index.js';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { startServer, TokenStore } from '../../src/server/index.js';
import { tempDir } from '../support/temp.js';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

describe('the server audits every request', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  it('leaves one entry per request with who, the route pattern, the table, version and rows, and no token, body or query', async () => {
    const project = await Project.init(await tempDir('aquifer-audit-server-'), 'shop');
    const tokens = TokenStore.forProject(project);
    const writer = await tokens.create({ role: 'writer', name: 'ingester' });
    const admin = await tokens.create({ role: 'admin', name: 'auditor' });
    const secretValue = 'planted-secret-value-7f3a';
    const server = await startServer({ engine, project, port: 0, anonymous: 'off' });
    let listed: unknown;
    try {
      const ingest = await fetch(`${server.url}/v1/ingest/orders?note=${secretValue}-query`, {
        method: 'POST',
        body: JSON.stringify([
          { id: 1, secret: secretValue },
          { id: 2, secret: secretValue },
        ]),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${writer.token}` },
      });
      expect(ingest.status, await ingest.text()).toBeLessThan(300);
      const refused = await fetch(`${server.url}/v1/ingest/orders`, {
        method: 'POST',
        body: '[]',
        headers: { 'content-type': 'application/json', authorization: 'Bearer aq_not-a-real-token' },
      });
      expect(refused.status).toBe(401);
      const forbidden = await fetch(`${server.url}/v1/audit`, { headers: { authorization: `Bearer ${writer.token}` } });
      expect(forbidden.status).toBe(403);
      const list = await fetch(`${server.url}/v1/audit?table=orders`, { headers: { authorization: `Bearer ${admin.token}` } });
      expect(list.status).toBe(200);
      listed = await list.json();
    } finally {
      await server.close();
    }
    // Over HTTP: the ingest that wrote orders, its entry committed before the list read the log (a refused request names no table).
    const overHttp = (listed as { entries: { action: string; principal: string; table: string; time: string }[] }).entries;
    expect(overHttp).toMatchObject([{ action: 'POST /v1/ingest/:table', principal: writer.info.id, table: 'orders' }]);
    expect(Number.isNaN(Date.parse(overHttp[0]?.time ?? ''))).toBe(false);
    const entries = await AuditLog.forProject(project, engine).list();
    // Exactly one entry per request, the last (the list) included once the server closed.
    expect(entries.map((e) => `${e.action} ${e.status}`).reverse()).toEqual([
      'POST /v1/ingest/:table 200',
      'POST /v1/ingest/:table 401',
      'GET /v1/audit 403',
      'GET /v1/audit 200',
    ]);
    const [ingest, refused, forbidden, list] = [...entries].reverse();
    expect(ingest).toMatchObject({
      source: 'server',
      principal: writer.info.id,
      principalKind: 'token',
      role: 'writer',
      table: 'orders',
      rows: 2,
      writes: [{ table: 'orders', version: ingest?.version, rows: 2 }],
    });
    expect(ingest?.version).toBeGreaterThanOrEqual(0);
    expect(ingest?.durationMs).toBeGreaterThan(0);
    expect(refused).toMatchObject({ principal: 'unauthenticated', principalKind: 'unauthenticated', errorCode: 'AUTH_TOKEN_INVALID' });
    expect(refused?.table).toBeUndefined();
    expect(refused?.version).toBeUndefined();
    expect(forbidden).toMatchObject({ principal: writer.info.id, errorCode: 'AUTH_FORBIDDEN' });
    expect(list).toMatchObject({ principal: admin.info.id, role: 'admin' });
    // Nothing the caller sent, nor any token, is anywhere in the log's files.
    const files = await filesUnder(auditLogLocation(project));
    expect(files.length).toBeGreaterThan(1);
    for (const file of files) {
      const bytes = await readFile(file);
      for (const needle of [writer.token, admin.token, secretValue, 'aq_not-a-real-token', 'note='])
        expect(bytes.includes(Buffer.from(needle)), `${needle} in ${file}`).toBe(false);
    }
  });

  it('gives each of concurrent ingests, which share group commits, its own rows and the version that holds them', async () => {
    const project = await Project.init(await tempDir('aquifer-audit-concurrent-'), 'shop');
    const server = await startServer({ engine, project, port: 0, anonymous: 'loopback' });
    const answers: { version: number; accepted: number }[] = [];
    try {
      await Promise.all(
        [1, 2, 3, 4, 5, 6].map(async (n) => {
          const response = await fetch(`${server.url}/v1/ingest/events`, {
            method: 'POST',
            body: JSON.stringify(Array.from({ length: n }, (_, i) => ({ n, i }))),
            headers: { 'content-type': 'application/json' },
          });
          expect(response.status).toBe(200);
          answers.push((await response.json()) as { version: number; accepted: number });
        }),
      );
    } finally {
      await server.close();
    }
    const entries = await AuditLog.forProject(project, engine).list({ table: 'events' });
    const key = (e: { version?: number; rows?: number; accepted?: number }) => `${e.version}:${e.rows ?? e.accepted}`;
    expect(entries.map(key).sort()).toEqual(answers.map(key).sort());
    expect(entries.map((e) => e.writes)).toEqual(entries.map((e) => [{ table: 'events', version: e.version, rows: e.rows }]));
  });

  it('keeps no log when the project turns it off', async () => {
    const project = await Project.init(await tempDir('aquifer-audit-off-'), 'shop');
    const file = path.join(project.root, 'aquifer.json');
    await writeFile(file, JSON.stringify({ ...(JSON.parse(await readFile(file, 'utf8')) as object), audit: { enabled: false } }));
    const off = await Project.open(project.root);
    const server = await startServer({ engine, project: off, port: 0, anonymous: 'loopback' });
    try {
      const response = await fetch(`${server.url}/v1/ingest/orders`, {
        method: 'POST',
        body: JSON.stringify([{ id: 1 }]),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBeLessThan(300);
    } finally {
      await server.close();
    }
    expect(await AuditLog.forProject(off, engine).list()).toEqual([]);
  });
});
