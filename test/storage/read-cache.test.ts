import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReadCache } from '../../src/storage/index.js';
import { tempDir } from '../support/temp.js';

async function cachedBytes(dir: string): Promise<number> {
  let total = 0;
  for (const sub of await readdir(dir)) {
    for (const name of await readdir(path.join(dir, sub))) total += (await stat(path.join(dir, sub, name))).size;
  }
  return total;
}

describe('ReadCache', () => {
  it('stays within its byte limit after many concurrent downloads', async () => {
    const dir = await tempDir('aquifer-read-cache-');
    const cache = new ReadCache({ dir, maxBytes: 5 * 1000 });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        cache.get({ url: `s3://b/f${i}`, etag: 'e', size: 1000 }, `f${i}.parquet`, (temp) => writeFile(temp, Buffer.alloc(1000, i))),
      ),
    );
    await cache.settled();
    expect(await cachedBytes(dir)).toBeLessThanOrEqual(5 * 1000);
  });

  it('serves a cached entry without filling it again', async () => {
    const cache = new ReadCache({ dir: await tempDir('aquifer-read-cache-') });
    const id = { url: 's3://b/k', etag: 'e', size: 3 };
    let fills = 0;
    const fill = async (temp: string): Promise<void> => {
      fills += 1;
      await writeFile(temp, 'abc');
    };
    const first = await cache.get(id, 'k.parquet', fill);
    expect(await cache.get(id, 'k.parquet', fill)).toBe(first);
    expect(fills).toBe(1);
  });
});
