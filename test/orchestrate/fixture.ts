import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Project } from '../../src/project/index.js';

/** Write `pipelines/<file>.json` holding these assets. */
export async function writeAssets(project: Project, file: string, assets: readonly Record<string, unknown>[]): Promise<void> {
  await mkdir(path.join(project.root, 'pipelines'), { recursive: true });
  await writeFile(path.join(project.root, 'pipelines', `${file}.json`), JSON.stringify({ assets }));
}

/** A source table `events` of a few rows over two days. */
export const EVENTS_SQL = `SELECT id, day, channel, amount::DOUBLE AS amount FROM (VALUES
  (1, DATE '2024-05-01', 'web', 10.0), (2, DATE '2024-05-01', 'app', 5.0), (3, DATE '2024-05-02', 'web', 7.5),
  (4, DATE '2024-05-02', 'app', -1.0)) t(id, day, channel, amount)`;

/** Two steps: cleaned events, partitioned by day; then totals per day and channel over them. */
export const CHAIN = [
  {
    name: 'clean_events',
    kind: 'sql',
    sql: 'SELECT id, day, channel, amount FROM events WHERE amount >= 0',
    partitions: { type: 'daily', column: 'day', start: '2024-05-01' },
  },
  {
    name: 'daily_totals',
    kind: 'sql',
    description: 'Revenue per day and channel',
    sql: 'WITH c AS (SELECT * FROM clean_events) SELECT day, channel, sum(amount) AS total FROM c GROUP BY day, channel',
  },
];
