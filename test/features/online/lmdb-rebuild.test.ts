import { spawn } from 'node:child_process';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { LmdbOnlineStore, rebuildLmdb } from '../../../src/features/index.js';
import { tempDir } from '../../support/temp.js';

const row = (key: string) => ({ key, eventTs: 1, values: { f0: 1 } });

async function storeWith(keys: readonly string[]): Promise<string> {
  const at = path.join(await tempDir('aquifer-lmdb-rebuild-'), 'online');
  const store = LmdbOnlineStore.open(at);
  await store.write('v', keys.map(row));
  await store.close();
  return at;
}

async function keysIn(at: string, keys: readonly string[]): Promise<string[]> {
  const store = LmdbOnlineStore.open(at);
  try {
    return (await store.read('v', keys)).flatMap((r) => (r === undefined ? [] : [r.key]));
  } finally {
    await store.close();
  }
}

describe('rebuilding the LMDB online store', () => {
  it('keeps every entry, and a rebuild cut short between its renames is finished when the store is next opened', async () => {
    const at = await storeWith(['a', 'b']);
    await rebuildLmdb(at);
    expect(await keysIn(at, ['a', 'b'])).toEqual(['a', 'b']);
    // A crash after the old environment was moved aside, before the new one was moved in.
    await rename(at, `${at}-replaced`);
    expect(await keysIn(at, ['a', 'b'])).toEqual(['a', 'b']);
  });

  it('refuses with FEATURE_ONLINE_STORE_BUSY while this process has the store open elsewhere, and rebuilds once it is closed', async () => {
    const at = await storeWith(['a']);
    const held = LmdbOnlineStore.open(at);
    await expect(rebuildLmdb(at)).rejects.toMatchObject({ code: 'FEATURE_ONLINE_STORE_BUSY' });
    await held.close();
    // A second close does not count twice.
    await held.close();
    await rebuildLmdb(at);
    expect(await keysIn(at, ['a'])).toEqual(['a']);
  });

  it('refuses with FEATURE_ONLINE_STORE_BUSY while another process reads the store, and leaves it as it was', async () => {
    const at = await storeWith(['a']);
    const lmdb = createRequire(import.meta.url).resolve('lmdb');
    const script = `import(${JSON.stringify(lmdb)}).then(({ open }) => { const db = open({ path: ${JSON.stringify(at)}, compression: false }); db.get('x'); console.log('ready'); setInterval(() => {}, 1000); })`;
    const reader = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => reader.stdout.once('data', resolve));
      await expect(rebuildLmdb(at)).rejects.toMatchObject({ code: 'FEATURE_ONLINE_STORE_BUSY' });
    } finally {
      reader.kill();
      await new Promise((resolve) => reader.once('exit', resolve));
    }
    expect(await keysIn(at, ['a'])).toEqual(['a']);
    await rebuildLmdb(at);
    expect(await keysIn(at, ['a'])).toEqual(['a']);
  });
});
