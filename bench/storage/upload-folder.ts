import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../../src/storage/index.js';

/** Copy a local table folder (its log, checkpoints and any data) into `store`, `concurrency` puts at a time. */
export async function uploadFolder(local: string, store: ObjectStore, concurrency = 32): Promise<number> {
  const files: string[] = [];
  for (const entry of await readdir(local, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) files.push(path.relative(local, path.join(entry.parentPath, entry.name)));
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const key = files[next++] as string;
      await store.put(key.split(path.sep).join('/'), await readFile(path.join(local, key)));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return files.length;
}
