import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EMPTY_STATE, readState, statePath, writeState } from '../../../src/monitor/alerts/alert-state.js';
import { Project } from '../../../src/project/index.js';
import { tempDir } from '../../support/temp.js';

describe('a monitor’s state file', () => {
  it('is replaced whole, leaving no temp file behind, and read back as written', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-alert-state-'), 'project'));
    await writeState(project, 'fresh', { ...EMPTY_STATE, alert: 'firing', firingSince: '2026-12-07T00:00:00.000Z' });
    expect(await readState(project, 'fresh')).toMatchObject({ alert: 'firing', firingSince: '2026-12-07T00:00:00.000Z' });
    expect((await readdir(path.dirname(statePath(project, 'fresh')))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('starts over from a file that is not JSON, keeping the broken file aside', async () => {
    const project = await Project.init(path.join(await tempDir('aquifer-alert-state-'), 'project'));
    const file = statePath(project, 'broken');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '{"alert": "fir');
    expect(await readState(project, 'broken')).toMatchObject({ alert: 'ok', lastRun: null });
    expect(existsSync(`${file}.corrupt`)).toBe(true);
  });
});
