import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FEAST_SCRIPT, SERVE_FEATURES, venvPython, WINDOW, type OnlineData } from './data.js';
import { runJson } from './processes.js';

export type FeastOnlineStore = { type: 'sqlite' } | { type: 'redis'; connection: string };

export interface FeastOnlineResult {
  /** store.materialize() alone; writing the repository and `apply` are not timed. */
  materializeMs: number;
  maxRssKb: number;
  /** With a dump: entities read back, values not PRESENT, values of another Python type than their feature's. */
  dumped?: number;
  notFound?: number;
  wrongTypeCount?: number;
  wrongTypes?: unknown[];
}

/**
 * A fresh Feast repository for one online view over `data`'s Parquet file, applied and
 * materialized over WINDOW into its (empty) online store by feast_bench.py in a process of
 * its own; with `dump`, every entity is then read back into that Parquet file.
 */
export async function feastOnline(data: OnlineData, view: string, repo: string, online: FeastOnlineStore, dump?: string): Promise<FeastOnlineResult> {
  await rm(repo, { recursive: true, force: true });
  await mkdir(repo, { recursive: true });
  const spec = {
    repo,
    project: 'bench',
    online,
    view: { name: view, parquet: data.parquet, timestampField: 'event_ts', createdTimestampField: 'created_ts', features: SERVE_FEATURES },
    // Feast reads ISO times with an offset, not a Z.
    start: WINDOW.start.replace('Z', '+00:00'),
    end: WINDOW.end.replace('Z', '+00:00'),
    entities: data.rows,
    ...(dump === undefined ? {} : { dump }),
  };
  const file = path.join(repo, 'spec.json');
  await writeFile(file, JSON.stringify(spec));
  return runJson<FeastOnlineResult>(venvPython(), [FEAST_SCRIPT, 'online', file], {
    timeoutMs: 60 * 60_000,
    env: { ...process.env, PYTHONWARNINGS: 'ignore' },
  });
}
