import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';
import { openObjectStore, type S3StoreOptions } from '../storage/index.js';
import { exists, type ConformanceCase } from './manifest.js';

export interface CopyCasesOptions {
  /** Endpoint and credentials for an s3:// location; unset ones come from the AWS environment. */
  s3?: S3StoreOptions;
  /** Uploads in flight at once. Default 16: the files are small, so latency, not bandwidth, sets the pace. */
  concurrency?: number;
}

/**
 * Copy each case's table (`delta/`) to `<storage>/<case>/delta` through the object store,
 * and return the cases pointing there. Expected rows are not copied: they are the reference
 * the copy is checked against, and stay where they are.
 *
 * The location must be empty: a leftover object from another run (a stray commit, say)
 * would change what a case proves, and deleting in someone's bucket is not ours to do.
 */
export async function copyCases(cases: ConformanceCase[], storage: string, options: CopyCasesOptions = {}): Promise<ConformanceCase[]> {
  const store = openObjectStore(storage, options.s3 === undefined ? {} : { s3: options.s3 });
  const present = await store.list('', { recursive: true });
  if (present.length > 0) {
    throw new AquiferError('CONFORMANCE_STORAGE_NOT_EMPTY', `${store.url} already holds ${present.length} objects (e.g. ${present[0]?.path ?? ''})`, {
      value: store.url,
      hint: 'Give a prefix of its own (s3://bucket/some-new-prefix), or delete what is there first.',
    });
  }
  const uploads: { from: string; key: string }[] = [];
  for (const testCase of cases) {
    const root = path.join(testCase.dir, 'delta');
    for (const file of await filesBelow(root)) uploads.push({ from: path.join(root, file), key: `${testCase.name}/delta/${file}` });
  }
  await inParallel(uploads, options.concurrency ?? 16, async ({ from, key }) => store.put(key, await fs.readFile(from)));
  return cases.map((testCase) => ({ ...testCase, table: `${store.url}/${testCase.name}/delta` }));
}

/** Files below a folder, as '/'-separated relative paths; none when it does not exist. */
async function filesBelow(root: string): Promise<string[]> {
  if (!(await exists(root))) return [];
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
