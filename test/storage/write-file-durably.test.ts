import { mkdtemp, readdir, readFile, stat, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileDurably } from '../../src/storage/index.js';

describe('writeFileDurably', () => {
  it('replaces the content and leaves no temporary file beside it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aquifer-durable-'));
    const file = path.join(dir, 'nested', 'state.json');
    await writeFileDurably(file, 'first');
    await writeFileDurably(file, 'second');
    expect(await readFile(file, 'utf8')).toBe('second');
    expect(await readdir(path.dirname(file))).toEqual(['state.json']);
  });

  it('creates a secret file with the mode asked for', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aquifer-durable-'));
    const file = path.join(dir, 'tokens.json');
    await writeFileDurably(file, '{}', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps the old content and removes its temporary file when the rename fails', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aquifer-durable-'));
    // A folder where the file should go: the rename over it fails after the temp file was written.
    const file = path.join(dir, 'taken');
    await mkdir(path.join(file, 'inside'), { recursive: true });
    await expect(writeFileDurably(file, 'data')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['taken']);
    expect(await readdir(file)).toEqual(['inside']);
  });
});
