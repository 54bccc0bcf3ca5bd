import type { Engine } from '../../src/engine/index.js';
import type { Entity, FeatureDefinition, FeatureView } from '../../src/features/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { tempDir } from './temp.js';

/**
 * The `driver` entity and `driver_stats` feature view (Feast's quickstart) that the feature
 * tests share, and a project holding its table; each test keeps its own rows.
 */
export const driverEntity: Entity = { name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] };

export interface DriverStatsViewOptions {
  /** `conv_rate` (double) and `trips` (long) unless given. */
  features?: readonly FeatureDefinition[];
  /** Read `created_ts` to break ties between equal event times. */
  createdTimestamp?: boolean;
  ttl?: string;
}

export function driverStatsView(options: DriverStatsViewOptions = {}): FeatureView {
  return {
    name: 'driver_stats',
    entities: ['driver'],
    source: {
      kind: 'table',
      table: 'driver_stats',
      timestampField: 'event_ts',
      ...(options.createdTimestamp === true ? { createdTimestampField: 'created_ts' } : {}),
    },
    features: options.features ?? [
      { name: 'conv_rate', type: 'double' },
      { name: 'trips', type: 'long' },
    ],
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
  };
}

/** A new project (removed when the test file ends) whose `driver_stats` table holds what `rowsSql` selects. */
export async function driverStatsProject(engine: Engine, rowsSql: string, prefix = 'aquifer-driver-stats-'): Promise<Project> {
  const project = await Project.init(await tempDir(prefix));
  await DeltaTable.create(project.tablePath('driver_stats'), { engine, data: { sql: rowsSql } });
  return project;
}
