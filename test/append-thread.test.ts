import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppendThread } from '../src/append-thread.js';
import { AquiferError } from '../src/errors.js';
import { tempDir } from './support/temp.js';

const worker = new URL('./support/append-worker.js', import.meta.url);

describe('AppendThread', () => {
  it('commits batches in the order they were handed over, fails only the batch its target refused, and closes the target before the thread ends', async () => {
    const file = path.join(await tempDir('aquifer-append-thread-'), 'log.txt');
    const thread = new AppendThread<string>(worker, { file }, 'AUDIT_LOG_FAILED', 'test log');
    const results = await Promise.allSettled([thread.append(['a', 'b']), thread.append(['fail']), thread.append(['c'])]);
    await thread.close();
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const refused = (results[1] as PromiseRejectedResult).reason as AquiferError;
    expect(refused).toBeInstanceOf(AquiferError);
    expect(refused.code).toBe('AUDIT_LOG_FAILED');
    expect(refused.value).toBe('TEST_REFUSED');
    expect(await readFile(file, 'utf8')).toBe('a,b\nc\nclosed\n');
  });

  it('refuses appends once closed, and an empty batch starts no thread', async () => {
    const file = path.join(await tempDir('aquifer-append-thread-'), 'log.txt');
    const thread = new AppendThread<string>(worker, { file }, 'AUDIT_LOG_FAILED', 'test log');
    await thread.append([]);
    await thread.close();
    await expect(readFile(file, 'utf8')).rejects.toThrow();
    await expect(thread.append(['late'])).rejects.toMatchObject({ code: 'AUDIT_LOG_FAILED' });
  });
});
