import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { runCli } from '../support/cli.js';
import { GOLDEN_DIR, goldenAvailable, REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

function conformance(dir: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(REPO_ROOT, 'dist', 'conformance', 'main.js'), dir], (error, stdout) => {
      resolve({ code: error === null ? 0 : Number(error.code ?? 1), stdout });
    });
  });
}

describe.runIf(goldenAvailable())('npm run conformance -- DIR', () => {
  it('runs any directory of that layout, reports a wrong expectation as FAIL and exits 1', async () => {
    const dir = await tempDir('aquifer-conformance-');
    await cp(path.join(GOLDEN_DIR, 'snapshot-data0'), path.join(dir, 'good'), { recursive: true });
    await cp(path.join(GOLDEN_DIR, 'no-delta-log-folder'), path.join(dir, 'refused'), { recursive: true });
    await cp(path.join(GOLDEN_DIR, 'snapshot-data0', 'delta'), path.join(dir, 'wrong', 'delta'), { recursive: true });
    await mkdir(path.join(dir, 'wrong', 'expected'));
    // Expected rows that the table does not hold: one row is altered.
    const engine = await Engine.create();
    try {
      const source = path.join(GOLDEN_DIR, 'snapshot-data0', 'expected', '*.parquet');
      await engine.run(
        `COPY (SELECT * REPLACE (CASE WHEN col1 = 0 THEN -1 ELSE col1 END AS col1) FROM read_parquet('${source}')) TO '${path.join(dir, 'wrong', 'expected', 'part-0.parquet')}' (FORMAT parquet)`,
      );
    } finally {
      engine.close();
    }
    await writeFile(path.join(dir, 'MANIFEST.tsv'), 'good\texpected\t{}\nrefused\tno-expected\t\nwrong\texpected\t{}\n');
    const result = await conformance(dir);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('PASS good');
    expect(lines).toContain('PASS refused');
    expect(lines.find((l) => l.startsWith('FAIL wrong:'))).toMatch(/1 unexpected, 1 missing/);
    expect(lines.at(-1)).toBe('2 passed, 1 failed');
    expect(result.code).toBe(1);
  });

  it('passes all 77 shared golden cases and exits 0', async () => {
    const result = await conformance(GOLDEN_DIR);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('77 passed, 0 failed');
    expect(result.code).toBe(0);
  });

  it('aquifer conformance --storage copies the tables there first and --format json reports each case', async () => {
    const dir = await tempDir('aquifer-conformance-');
    await cp(path.join(GOLDEN_DIR, 'snapshot-data0'), path.join(dir, 'suite', 'good'), { recursive: true });
    await cp(path.join(GOLDEN_DIR, 'no-delta-log-folder'), path.join(dir, 'suite', 'refused'), { recursive: true });
    await writeFile(path.join(dir, 'suite', 'MANIFEST.tsv'), 'good\texpected\t{}\nrefused\tno-expected\t\n');
    // A local folder stands in for the bucket: the copy and the reads go through the same ObjectStore calls.
    const storage = path.join(dir, 'copy');
    const result = await runCli(['conformance', '--storage', storage, '--format', 'json', path.join(dir, 'suite')]);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      storage,
      passed: 2,
      failed: 0,
      results: [
        { name: 'good', passed: true, detail: expect.stringMatching(/^\d+ rows match at v\d+$/) },
        { name: 'refused', passed: true, detail: 'refused with TABLE_NOT_FOUND' },
      ],
    });
    expect((await readdir(path.join(storage, 'good', 'delta', '_delta_log'))).length).toBeGreaterThan(0);
    const again = await runCli(['conformance', '--storage', storage, path.join(dir, 'suite')]);
    expect(again.stderr).toContain('CONFORMANCE_STORAGE_NOT_EMPTY');
  });
});
