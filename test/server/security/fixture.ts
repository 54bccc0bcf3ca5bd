import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Engine } from '../../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, readProjectDefinitions } from '../../../src/features/index.js';
import { Project } from '../../../src/project/index.js';
import { startServer, TokenStore, type RunningServer, type ServeOptions } from '../../../src/server/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

/** A project with one feature view (`driver_stats`, materialized) and one table per test file. */
export interface SecurityFixture {
  engine: Engine;
  project: Project;
  store: TokenStore;
  close(): Promise<void>;
}

export async function securityProject(): Promise<SecurityFixture> {
  const engine = await Engine.create({ threads: 1 });
  const project = await Project.init(await tempDir('aquifer-security-'));
  await writeFile(
    project.featuresPath,
    JSON.stringify({
      entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
      featureViews: [
        {
          name: 'driver_stats',
          entities: ['driver'],
          source: { kind: 'table', table: 'driver_stats', timestampField: 'event_ts' },
          features: [{ name: 'trips', type: 'long' }],
          ttl: '1d',
        },
      ],
    }),
  );
  await DeltaTable.create(project.tablePath('driver_stats'), {
    engine,
    data: { sql: `SELECT 1001::BIGINT AS driver_id, TIMESTAMPTZ '2024-05-01 10:00:00+00' AS event_ts, 7::BIGINT AS trips` },
  });
  await applyDefinitions(project, engine);
  const features = await openAppliedFeatureStore(project, engine);
  await features.materialize(0, '2030-01-01T00:00:00Z');
  await features.online?.close();
  return { engine, project, store: TokenStore.forProject(project), close: async () => engine.close() };
}

/** Records the project's features.json as its applied definitions, which the server serves. */
export async function applyDefinitions(project: Project, engine: Engine): Promise<void> {
  await new FeatureRegistry(project).apply(await readProjectDefinitions(project), engine);
}

export async function serve(fixture: SecurityFixture, options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  return startServer({ engine: fixture.engine, project: fixture.project, port: 0, ...options });
}

/**
 * Everything a request could have written: every file under tables/ with its size (a commit,
 * a data file, a new table or quarantine all show), and the online value of the one driver.
 */
export async function writtenState(fixture: SecurityFixture, server: RunningServer, adminToken: string): Promise<{ files: string[]; online: unknown }> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push(`${path.relative(fixture.project.root, full)}:${(await stat(full)).size}`);
    }
  };
  await walk(path.join(fixture.project.root, 'tables'));
  const response = await fetch(`${server.url}/get-online-features`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
    body: JSON.stringify({ features: ['driver_stats:trips'], entities: { driver_id: [1001, 1002] } }),
  });
  return { files: files.sort(), online: await response.json() };
}
