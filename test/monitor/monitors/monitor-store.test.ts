import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isAquiferError } from '../../../src/errors.js';
import { MAX_MONITOR_BYTES, MONITORS_DIR, readMonitors } from '../../../src/monitor/index.js';
import { Project } from '../../../src/project/index.js';
import { tempDir } from '../../support/temp.js';
import { writeMonitor } from './fixture.js';

let project: Project;

beforeAll(async () => {
  project = await Project.init(path.join(await tempDir('aquifer-monitor-store-'), 'project'));
});

async function refusal(name: string, definition: Record<string, unknown>): Promise<{ code: string; value: unknown }> {
  await writeMonitor(project, name, definition);
  try {
    await readMonitors(project, [name]);
  } catch (error) {
    if (isAquiferError(error)) return { code: error.code, value: error.value };
    throw error;
  }
  throw new Error('accepted');
}

describe('readMonitors', () => {
  it('reads one monitor per file, named after the file, with its actions', async () => {
    const retrain = { type: 'retrain', model: 'churn', holdout: { table: 'churn_holdout' }, metric: 'accuracy' };
    await writeMonitor(project, 'events-fresh', { kind: 'freshness', table: 'events', every: '15m', maxAge: '2h', actions: [retrain] });
    const [monitor] = await readMonitors(project, ['events-fresh']);
    expect(monitor).toMatchObject({ name: 'events-fresh', kind: 'freshness', every: '15m', actions: [retrain] });
  });

  it('gives a model_drift monitor its model’s prediction log as its table', async () => {
    await writeMonitor(project, 'churn-drift', { kind: 'model_drift', model: 'churn', version: 'champion', every: '1h' });
    const [monitor] = await readMonitors(project, ['churn-drift']);
    expect(monitor).toMatchObject({ kind: 'model_drift', model: 'churn', table: 'churn__predictions' });
  });

  it('has no monitors in a project without a monitors folder', async () => {
    const empty = await Project.init(path.join(await tempDir('aquifer-monitor-empty-'), 'project'));
    expect(await readMonitors(empty)).toEqual([]);
  });

  it.each([
    ['an unknown kind', { kind: 'latency', table: 't', every: '1h' }, 'kind'],
    ['a bad interval', { kind: 'schema', table: 't', every: '15 minutes' }, 'every'],
    ['a field of another kind', { kind: 'schema', table: 't', every: '1h', maxAge: '1h' }, '(the whole document)'],
    ['a share above 1', { kind: 'quarantine_rate', table: 't', every: '1h', maxShare: 2 }, 'maxShare'],
    ['min above max', { kind: 'volume', table: 't', every: '1h', per: 'day', min: 5, max: 1 }, 'min'],
    ['an unknown drift method', { kind: 'drift', table: 't', every: '1h', reference: {}, perColumn: { a: { method: 'magic' } } }, 'perColumn.a.method'],
    ['a webhook that is not http(s)', { kind: 'schema', table: 't', every: '1h', alerts: { webhook: { url: 'ftp://x' } } }, 'alerts.webhook.url'],
    [
      'a header value instead of a variable',
      { kind: 'schema', table: 't', every: '1h', alerts: { webhook: { url: 'http://x', headersFromEnv: { A: 'Bearer x' } } } },
      'alerts.webhook.headersFromEnv.A',
    ],
    ['a where without a timeColumn on freshness', { kind: 'freshness', table: 't', every: '1h', maxAge: '1h', where: 'x > 1' }, 'where'],
    ['a where on a kind that reads only the log', { kind: 'volume', table: 't', every: '1h', per: 'day', where: 'x > 1' }, '(the whole document)'],
    ['a name other than the file', { name: 'other', kind: 'schema', table: 't', every: '1h' }, 'name'],
    ['an unknown action', { kind: 'schema', table: 't', every: '1h', actions: [{ type: 'page' }] }, 'actions[0].type'],
    ['a retrain action without a holdout', { kind: 'schema', table: 't', every: '1h', actions: [{ type: 'retrain', metric: 'f1' }] }, 'actions[0].holdout'],
  ])('refuses %s with MONITOR_DEFINITION_INVALID naming the file and field', async (_what, definition, field) => {
    expect(await refusal('bad', definition)).toEqual({ code: 'MONITOR_DEFINITION_INVALID', value: { file: path.join(MONITORS_DIR, 'bad.json'), field } });
  });

  it('refuses a file over the size limit before parsing it, and an unknown name', async () => {
    await writeFile(path.join(project.root, MONITORS_DIR, 'huge.json'), ' '.repeat(MAX_MONITOR_BYTES + 1));
    await expect(readMonitors(project, ['huge'])).rejects.toMatchObject({ code: 'MONITOR_DEFINITION_INVALID' });
    await expect(readMonitors(project, ['missing'])).rejects.toMatchObject({ code: 'MONITOR_NOT_FOUND' });
  });
});
