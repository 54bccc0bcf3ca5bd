import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { available, REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const straceReady = available('strace (bash scripts/strace.sh install)', spawnSync('strace', ['-V']).status === 0);

/** The fsync and fdatasync calls a table write makes, as `call path` (strace -y names each descriptor's file). */
async function flushes(durable: boolean): Promise<{ table: string; calls: string[] }> {
  const dir = await tempDir();
  const table = path.join(dir, 'events');
  const trace = path.join(dir, 'trace.txt');
  const run = spawnSync(
    'strace',
    [
      '-f',
      '-y',
      '-qq',
      '-e',
      'trace=fsync,fdatasync',
      '-o',
      trace,
      process.execPath,
      '--import',
      'tsx',
      path.join(REPO_ROOT, 'test', 'support', 'durable-writer.ts'),
      table,
      String(durable),
    ],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  expect(run.status, run.stderr).toBe(0);
  const calls = (await readFile(trace, 'utf8')).split('\n').flatMap((line) => {
    const match = /(fsync|fdatasync)\(\d+<([^>]*)>\)\s*=\s*0/.exec(line);
    return match !== null && (match[2] as string).startsWith(table) ? [`${match[1]} ${path.relative(table, match[2] as string) || '.'}`] : [];
  });
  return { table, calls };
}

describe.skipIf(!straceReady)('durable writes on the local file system', () => {
  it('flush every data file, commit and folder naming them before a write returns', async () => {
    const { calls } = await flushes(true);
    // Data files are flushed in staging, before they are moved into their partition folders.
    const dataFlushes = calls.filter((c) => /^fdatasync _staging\/.+\.parquet$/.test(c));
    expect(dataFlushes).toHaveLength(2);
    // Each commit is flushed as its temporary file, then the log folder naming it.
    expect(calls.filter((c) => /^fsync _delta_log\/\.0+[01]\.json\..+\.tmp$/.test(c))).toHaveLength(2);
    expect(calls.filter((c) => c === 'fsync _delta_log').length).toBeGreaterThanOrEqual(2);
    // New partition folders, and the table folder that names them.
    expect(calls).toContain('fsync part=a');
    expect(calls).toContain('fsync part=b');
    expect(calls).toContain('fsync .');
  });

  it('flush nothing when durability is turned off', async () => {
    const { calls } = await flushes(false);
    expect(calls).toEqual([]);
  });
});
