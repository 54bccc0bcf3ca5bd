import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';
import { Project, type TableNameUse } from '../project/index.js';
import { parseS3Uri, type ObjectStorePool } from '../storage/index.js';
import { gateFor, type QualityGate } from '../quality/index.js';
import { closeAtExit } from './close-at-exit.js';
import { recordCommandLineage } from './command-project.js';
import { withJobRun, type JobRun } from '../observe/index.js';
import { tableNameOf } from '../ingest/index.js';

/**
 * The project the running command's table argument was resolved in. The CLI runs one
 * command per process, so this is that command's; commands open their table through its
 * stores (`tableStores`), so the project's S3 settings apply and one client serves them all.
 */
let commandProject: Project | undefined;

/** The stores of the project the table argument belongs to, if any; undefined opens the table with the AWS chain. */
export function tableStores(): ObjectStorePool | undefined {
  return commandProject?.stores;
}

/**
 * Whether a table argument is a path rather than a name, as the server reads it: a path
 * has a `/` (or the platform's separator) or starts with `.`, or names an existing folder.
 */
async function isPath(argument: string, cwd: string): Promise<boolean> {
  if (argument.includes('/') || argument.includes(path.sep) || argument.startsWith('.') || path.isAbsolute(argument)) return true;
  try {
    return (await fs.stat(path.resolve(cwd, argument))).isDirectory();
  } catch {
    return false;
  }
}

/** A table argument inside a known project: a path as given, a name as the project's `tables/<name>`. */
export async function tableInProject(project: Project, argument: string, use: TableNameUse = {}, cwd = process.cwd()): Promise<string> {
  return (await isPath(argument, cwd)) ? argument : project.tablePath(argument, use);
}

/**
 * A table argument of `aquifer table …`, `ingest …` or `quarantine …`: a path as given; a
 * bare name as `tables/<name>` of the project (`--project`, else the working folder when
 * it is one); outside a project a bare name stays a path, as before projects existed.
 * `use.internal` for commands that only read: they may name one of Aquifer's own tables.
 */
export async function resolveTableArgument(argument: string, projectDir: string | undefined, use: TableNameUse = {}, cwd = process.cwd()): Promise<string> {
  argumentProjectDir = projectDir;
  if (await isPath(argument, cwd)) {
    // A table by path inside the working project is still the project's: its runs are recorded too.
    if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(argument)) await projectIfAny(projectDir, cwd).catch(() => undefined);
    // An s3:// table in the project's bucket is opened with the project's S3 settings too.
    if (/^s3a?:\/\//i.test(argument)) {
      const project = await projectIfAny(projectDir, cwd);
      const storage = project?.config.backends.tableStorage;
      if (project !== undefined && storage !== undefined && storage !== 'local' && parseS3Uri(storage.root).bucket === parseS3Uri(argument).bucket) {
        commandProject = project;
      }
    }
    return argument;
  }
  const project = await projectIfAny(projectDir, cwd);
  if (project === undefined) return argument;
  commandProject = project;
  return project.tablePath(argument, use);
}

/** The --project of the running command's table argument. */
let argumentProjectDir: string | undefined;

/**
 * The quality gate on the table at `location` (`quality.gates` of the project the table
 * argument was resolved in, else of --project or the working folder's project), or
 * undefined when none guards it. A table outside any project has none.
 */
export async function tableGate(location: string, cwd = process.cwd()): Promise<QualityGate | undefined> {
  const project = commandProject ?? (await projectIfAny(argumentProjectDir, cwd).catch(() => undefined));
  return project === undefined ? undefined : gateFor(project, location);
}

/**
 * The root folder of the project the running command works in (the table argument's, else
 * --project's or the working folder's), named by the command's job runs; undefined outside one.
 */
export async function commandProjectRoot(cwd = process.cwd()): Promise<string | undefined> {
  return (await commandProjectIfAny(cwd))?.root;
}

/** The project the running command works in, as `commandProjectRoot` finds it; undefined outside one. */
export async function commandProjectIfAny(cwd = process.cwd()): Promise<Project | undefined> {
  return commandProject ?? (await projectIfAny(argumentProjectDir, cwd).catch(() => undefined));
}

/** Run a table command as one job run `table.<op>.<table>` of the Delta operation it commits, in the command's project. */
export async function tableCommandRun<T>(op: string, type: string, location: string, work: (run: JobRun) => Promise<T>): Promise<T> {
  const project = await commandProjectRoot();
  return withJobRun({ name: `table.${op}.${tableNameOf(location)}`, type, ...(project === undefined ? {} : { project }) }, work);
}

/** Text lines for a gate's warnings, for commands' plain output. */
export function gateWarningLines(warnings: readonly { suite: string; type: string; kwargs: Record<string, unknown>; observed?: unknown }[]): string[] {
  return warnings.map(
    (w) =>
      `warning: suite ${w.suite}: ${w.type} ${JSON.stringify(w.kwargs)} failed${w.observed === undefined ? '' : ` (observed ${JSON.stringify(w.observed)})`}; let through (action warn)`,
  );
}

/** The project at --project (which must be one), else the working folder's when it is one. */
async function projectIfAny(projectDir: string | undefined, cwd: string): Promise<Project | undefined> {
  try {
    // The command's runs in the project (table writes, ingests) are its lineage.
    return recordCommandLineage(closeAtExit(await Project.open(projectDir ?? cwd)));
  } catch (error) {
    if (projectDir === undefined && error instanceof AquiferError && error.code === 'PROJECT_NOT_FOUND') return undefined;
    throw error;
  }
}
