import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Engine } from '../engine/index.js';
import { expandFiles } from './sources/file-source.js';
import { currentJobRun, jobRunsObserved, tableDataset, withJobRun, type DatasetRef, type JobRun, type JobSpec } from '../observe/index.js';

/** The table's name in job names: the last segment of its location (`ingest.events`). */
export function tableNameOf(location: string): string {
  return tableDataset(location).name.split('/').pop() ?? location;
}

/**
 * A source file as a job's input (OpenLineage's `file` namespace, the absolute path as
 * name), with its size, modification time and the sha256 of its bytes, so lineage can
 * tell two versions of one path apart.
 */
export async function sourceFileDataset(file: string): Promise<DatasetRef> {
  const [info, sha256] = await Promise.all([stat(file), sha256Of(file)]);
  return { namespace: 'file', name: file, kind: 'file', file: { size: info.size, sha256, modified: info.mtime.toISOString() } };
}

/** Chunks of a MiB: most source files are hashed from one or a few reads, and a large one never sits whole in memory. */
const HASH_CHUNK_BYTES = 1 << 20;

function sha256Of(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file, { highWaterMark: HASH_CHUNK_BYTES })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

/**
 * Add the local files that paths or globs name to the active run as inputs (files in
 * object stores are not source files of this kind); nothing is read while nobody observes runs.
 */
export async function reportSourceFiles(engine: () => Promise<Engine>, patterns: string | readonly string[]): Promise<void> {
  const run = currentJobRun();
  if (run === undefined || !jobRunsObserved()) return;
  const local = (typeof patterns === 'string' ? [patterns] : patterns).filter((p) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(p));
  const files = await expandFiles(await engine(), local);
  for (const dataset of await Promise.all(files.map(sourceFileDataset))) run.input(dataset);
}

/** Run `work` as a job run only when someone observes runs: the hot paths (HTTP, streams) build nothing otherwise. */
export function observedRun<T>(job: () => JobSpec, work: (run: JobRun | undefined) => Promise<T>): Promise<T> {
  if (!jobRunsObserved()) return work(undefined);
  return withJobRun(job(), (run) => work(run));
}
