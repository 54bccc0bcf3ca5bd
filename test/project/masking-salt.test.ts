import { execFile } from 'node:child_process';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Project, projectSalt, saltFile } from '../../src/project/index.js';
import { tempDir } from '../support/temp.js';

const TSX = path.resolve('node_modules/.bin/tsx');
const SALT_MODULE = path.resolve('src/project/masking-salt.ts');

/** Make the key in another process whose file writes fail (a file-size limit of 0 bytes, as on a full disk); its exit code. */
async function makeKeyWithFailingWrites(root: string): Promise<number> {
  const script = path.join(root, 'make-key.mts');
  await writeFile(script, `import { projectSalt } from ${JSON.stringify(SALT_MODULE)};\nawait projectSalt({ root: ${JSON.stringify(root)} } as never);\n`);
  return new Promise((resolve) => {
    // tsx without its cache writes no file of its own, so the first write that fails is the key's.
    execFile('bash', ['-c', 'ulimit -f 0; exec "$0" --no-cache "$1"', TSX, script], (error) =>
      resolve(error === null ? 0 : ((error.code as number | undefined) ?? 1)),
    );
  });
}

describe('projectSalt', () => {
  it('leaves no half-written key when writing it fails, so the next use makes a whole one', async () => {
    const root = path.join(await tempDir('aquifer-masking-salt-'), 'project');
    await Project.init(root);
    const project = await Project.open(root);
    expect(await makeKeyWithFailingWrites(root)).not.toBe(0);
    const salt = await projectSalt(project);
    expect(salt).toHaveLength(32);
    expect((await stat(saltFile(project))).mode & 0o777).toBe(0o600);
    expect(await projectSalt(project)).toEqual(salt);
    // The failed writer's temp file went with it.
    expect((await readdir(path.dirname(saltFile(project)))).filter((f) => f.startsWith('masking-salt.'))).toEqual([]);
  });

  it('gives every caller making the key at once the same key', async () => {
    const root = path.join(await tempDir('aquifer-masking-salt-'), 'project');
    await Project.init(root);
    const project = await Project.open(root);
    const keys = await Promise.all(Array.from({ length: 8 }, () => projectSalt(project)));
    for (const key of keys) expect(key).toEqual(keys[0]);
  });
});
