import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);

describe('the demo', () => {
  it('runs end to end on the embedded default as a pipeline of assets, every step from ingestion to predictions served, labels fed back and the lineage of it all', async () => {
    const dir = path.join(await tempDir('aquifer-demo-'), 'demo-project');
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'dist', 'demo', 'main.js'), dir], {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
      timeout: 300_000,
    });
    const steps = stdout
      .split('\n')
      .map((line) => /^(\d+[a-z]?)\. /.exec(line)?.[1])
      .filter((step): step is string => step !== undefined);
    expect(steps.slice(-4)).toEqual(['9', '10', '11', '12']);
    // The pipeline as assets: its graph from the definitions, each step run through them, only the model left to run at step 9.
    expect(stdout).toContain('events (ingest) [cron 0 3 * * * UTC] [on upstream commit]');
    for (const node of [
      'user_hourly_activity (sql)',
      'user_hourly_activity_online (feature_view)',
      'training_purchase_v1 (training_set)',
      'purchase_propensity (model)',
    ])
      expect(stdout).toContain(`${node} [on upstream commit]`);
    expect(stdout).toMatch(
      /9\. Ran the model asset purchase_propensity with its upstream \(purchase_propensity: the rest was fresh\): trained .* FINISHED, accuracy \d\.\d{3}/,
    );
    expect(stdout).toContain(
      '`aquifer assets status`: events fresh, user_hourly_activity fresh, user_hourly_activity_online fresh, user_activity_windows_online fresh, training_purchase_v1 fresh, purchase_propensity fresh',
    );
    expect(stdout).toContain('registered version 1 (model.onnx) as @champion');
    expect(stdout).toMatch(/u0219: purchase probability 0\.\d{3}, label [01]/);
    expect(stdout).toContain('(2 rows with labels)');
    expect(stdout).toContain('Saved as the training set purchase_feedback (2 rows');
    // The model's upstream reaches the three files it was trained on, and the picture is written.
    expect(stdout).toContain('purchase_propensity@1 comes from 3 source files');
    for (const file of ['events-2024-05-01.csv', 'events-2024-05-02.csv', 'late-events-2024-05-02.csv']) expect(stdout).toContain(`file ${file} (`);
    expect(await readFile(path.join(dir, 'lineage.svg'), 'utf8')).toContain('<svg');
    // The second day against the first: the page mix moved (the demo data's second day browses other pages), the rest held.
    expect(stdout).toContain("12. Drift of the second day's events against the first");
    expect(stdout).toMatch(/page\s+Jensen-Shannon distance\s+0\.\d+\s+drifted/);
    expect(stdout).toMatch(/price\s+K-S p_value\s+0\.\d+\s+stable/);
    expect(await readFile(path.join(dir, 'drift.html'), 'utf8')).toContain('share of values per');
  }, 320_000);
});
