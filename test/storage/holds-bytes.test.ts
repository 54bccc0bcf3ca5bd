import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdsBytes, LocalObjectStore, StorageUnreachableError } from '../../src/storage/index.js';

describe('holdsBytes', () => {
  let scratch: string;
  let store: LocalObjectStore;
  beforeAll(async () => {
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'aquifer-holds-'));
    store = new LocalObjectStore(scratch);
    await store.put('commit.json', 'our commit');
  });
  afterAll(async () => {
    if (scratch !== undefined) await fs.rm(scratch, { recursive: true, force: true });
  });

  it('answers same when the object holds exactly the bytes, wherever they sit in their buffer', async () => {
    const padded = Buffer.from('xxour commitxx');
    expect(await holdsBytes(store, 'commit.json', padded.subarray(2, 12))).toBe('same');
  });

  it('answers different when the object holds other bytes', async () => {
    expect(await holdsBytes(store, 'commit.json', Buffer.from('their commit'))).toBe('different');
  });

  it('answers missing when there is no object', async () => {
    expect(await holdsBytes(store, 'absent.json', Buffer.from('our commit'))).toBe('missing');
  });

  it('passes on a failure to read', async () => {
    const unreachable = { get: () => Promise.reject(new StorageUnreachableError('http://127.0.0.1:1', 5)) };
    await expect(holdsBytes(unreachable, 'commit.json', Buffer.from('x'))).rejects.toMatchObject({ code: 'STORAGE_UNREACHABLE' });
  });
});
