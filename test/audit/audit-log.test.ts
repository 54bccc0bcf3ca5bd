import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, type AuditEntry } from '../../src/audit/index.js';
import { Engine } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { AUTO_COMPACT_MIN_FILES, DeltaTable } from '../../src/table/index.js';
import { tempDir } from '../support/temp.js';

const entry = (n: number): AuditEntry => ({
  time: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  source: 'server',
  principal: 'tok_1',
  principalKind: 'token',
  action: 'POST /v1/models/:name/predict',
  status: 200,
  durationMs: 1.5,
  model: 'churn',
});

describe('AuditLog', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
  });
  afterAll(() => engine.close());

  it('compacts itself as it is appended to, so a server appending for months keeps few files, and loses no entry', async () => {
    const project = await Project.init(await tempDir('aquifer-audit-log-'), 'shop');
    const audit = AuditLog.forProject(project, engine);
    const appends = AUTO_COMPACT_MIN_FILES + 10;
    for (let n = 0; n < appends; n++) await audit.append([entry(n)]);
    const snapshot = await (await DeltaTable.open(audit.location, { engine })).snapshot();
    expect(snapshot.files.length).toBeLessThanOrEqual(appends - AUTO_COMPACT_MIN_FILES + 1);
    const listed = await audit.list({ limit: appends + 1 });
    expect(listed.map((e) => e.time.getTime()).sort((a, b) => a - b)).toEqual(Array.from({ length: appends }, (_, n) => entry(n).time.getTime()));
  });
});
