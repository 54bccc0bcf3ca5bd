import type { Engine } from '../engine/index.js';
import { isAquiferError } from '../errors.js';
import type { Project } from '../project/index.js';
import { DeltaTable } from '../table/index.js';

/** A project table opened by name (an asset may read Aquifer's own tables too, so internal names are allowed). */
export function openProjectTable(project: Project, engine: Engine, name: string): Promise<DeltaTable> {
  return DeltaTable.open(project.tablePath(name, { internal: true }), { engine, stores: project.stores });
}

/**
 * The table's current version, or undefined when the project has no table of that name (yet).
 * Read from the log's listing, not a loaded snapshot: status asks it of every input, and a
 * snapshot of a long-lived table means reading its checkpoint and commits.
 */
export async function currentVersion(project: Project, engine: Engine, name: string): Promise<number | undefined> {
  try {
    return await (await openProjectTable(project, engine, name)).latestVersion();
  } catch (error) {
    if (isAquiferError(error) && (error.code === 'TABLE_NOT_FOUND' || error.code === 'PROJECT_TABLE_NAME_INVALID')) return undefined;
    throw error;
  }
}
