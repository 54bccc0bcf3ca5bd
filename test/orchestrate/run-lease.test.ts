import path from 'node:path';
import { SqliteRunStore } from '../../src/orchestrate/index.js';
import { tempDir } from '../support/temp.js';
import { leaseLossCases } from './lease-loss.cases.js';

/** Two SQLite handles on one runs.db, as a scheduler and a CLI command on one project hold. */
leaseLossCases('SQLite', async () => {
  const file = path.join(await tempDir('aquifer-run-lease-'), 'runs.db');
  return { mine: new SqliteRunStore(file), theirs: new SqliteRunStore(file) };
});
