import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AssetStatus } from '../../src/orchestrate/index.js';
import { Project } from '../../src/project/index.js';
import { dayOfClicks, land } from '../orchestrate/asset-kinds-fixture.js';
import { writeAssets } from '../orchestrate/fixture.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

/** `aquifer run` and `aquifer assets status` (the built CLI) on an ingest asset feeding a SQL one. */
let project: Project;

beforeAll(async () => {
  project = await Project.init(path.join(await tempDir('aquifer-cli-run-kinds-'), 'project'));
  await land(project, 'day-1.csv', dayOfClicks('2024-05-01', 5));
  await writeAssets(project, 'clicks', [
    { name: 'clicks', kind: 'ingest', files: 'landing/*.csv' },
    { name: 'views_per_user', kind: 'sql', sql: "SELECT user_id, count(*) AS views FROM clicks WHERE event_type = 'view' GROUP BY ALL" },
  ]);
});

const cli = (...args: string[]) => runCli([...args, '--project', project.root], { env: { AQUIFER_LOG_LEVEL: 'warn' } });

describe('aquifer run on an ingest asset', () => {
  it('ingests the landed files with upstream, then finds the asset stale when another lands and loads only that one', async () => {
    const first = await cli('run', 'views_per_user', '--with-upstream');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^clicks: success, wrote version 1 .*\nviews_per_user: success, wrote version 0 /);

    await land(project, 'day-2.csv', dayOfClicks('2024-05-02', 5));
    const status = await cli('assets', 'status', '--format', 'json');
    expect((JSON.parse(status.stdout) as AssetStatus[]).map((s) => [s.name, s.status, s.staleInputs])).toEqual([
      ['clicks', 'stale', [{ table: 'files:landing/*.csv', read: 0, current: 1 }]],
      ['views_per_user', 'fresh', undefined],
    ]);
    const second = await cli('run', 'views_per_user', '--with-upstream');
    expect(second.stdout).toMatch(/^clicks: success, wrote version 2 .*\nviews_per_user: success, wrote version 1 /);
    const table = await cli('table', 'read', path.join(project.root, 'tables', 'views_per_user'), '--format', 'json');
    expect((JSON.parse(table.stdout) as { views: number }[]).map((r) => r.views)).toEqual([6, 6, 6, 6, 6]);
  });
});
