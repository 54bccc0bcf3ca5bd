import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FeatureRepository } from '../../src/features/index.js';
import type { Project } from '../../src/project/index.js';
import { REPO_ROOT } from '../support/shared.js';
import { writeAssets } from './fixture.js';

/** The demo's training command: Node and DuckDB, writes an ONNX logistic regression. */
export const TRAINER = path.join(REPO_ROOT, 'demo', 'train_model.mjs');

/** Clicks of a day as CSV: each user views pages, some buy. */
export function dayOfClicks(day: string, users: number, offset = 0): string {
  const lines = ['event_id,user_id,event_time,event_type'];
  for (let u = 0; u < users; u++)
    for (let e = 0; e < 4; e++) {
      const type = e === 3 ? (u % 3 === 0 ? 'buy' : 'leave') : 'view';
      lines.push(`${day}-${offset + u}-${e},u${u},${day}T${String(8 + e).padStart(2, '0')}:${String(u % 60).padStart(2, '0')}:00Z,${type}`);
    }
  return `${lines.join('\n')}\n`;
}

export async function land(project: Project, name: string, text: string): Promise<void> {
  await mkdir(path.join(project.root, 'landing'), { recursive: true });
  await writeFile(path.join(project.root, 'landing', name), text);
}

export const REPOSITORY: FeatureRepository = {
  entities: [{ name: 'user', joinKeys: [{ name: 'user_id', type: 'string' }] }],
  featureViews: [
    {
      name: 'user_activity',
      entities: ['user'],
      source: { kind: 'table', table: 'user_activity', timestampField: 'window_end' },
      features: [
        { name: 'views', type: 'long' },
        { name: 'leaves', type: 'long' },
      ],
    },
  ],
  featureServices: [{ name: 'buying', features: ['user_activity:views', 'user_activity:leaves'] }],
};

/** ingest → cleaned SQL → feature view → training set → model, the demo's shape on a few rows. */
export const PIPELINE = [
  { name: 'clicks', kind: 'ingest', files: 'landing/*.csv', description: 'Clicks as they land' },
  {
    name: 'user_activity',
    kind: 'sql',
    sql: `SELECT user_id, date_trunc('hour', event_time::TIMESTAMPTZ) + INTERVAL 1 HOUR AS window_end,
            count(*) FILTER (WHERE event_type = 'view')::BIGINT AS views, count(*) FILTER (WHERE event_type = 'leave')::BIGINT AS leaves
          FROM clicks GROUP BY ALL`,
  },
  { name: 'user_activity_online', kind: 'feature_view', view: 'user_activity' },
  {
    name: 'training_buying',
    kind: 'training_set',
    features: 'buying',
    entities: {
      sql: "SELECT user_id, event_time::TIMESTAMPTZ AS event_timestamp, (event_type = 'buy') AS bought FROM clicks WHERE event_type IN ('buy', 'leave')",
    },
  },
  {
    name: 'buyer',
    kind: 'model',
    trainingSet: 'training_buying',
    label: 'bought',
    command: [process.execPath, TRAINER],
    alias: 'champion',
    schedule: { cron: '0 3 * * *', timezone: 'Europe/Berlin' },
  },
];

export async function writePipeline(project: Project, extra: readonly Record<string, unknown>[] = []): Promise<void> {
  await writeAssets(project, 'pipeline', [...PIPELINE, ...extra]);
  await writeFile(project.featuresPath, JSON.stringify(REPOSITORY));
}
