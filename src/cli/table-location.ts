import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';
import { Project } from '../project/index.js';

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
export async function tableInProject(project: Project, argument: string, cwd = process.cwd()): Promise<string> {
  return (await isPath(argument, cwd)) ? argument : project.tablePath(argument);
}

/**
 * A table argument of `aquifer table …`, `ingest …` or `quarantine …`: a path as given; a
 * bare name as `tables/<name>` of the project (`--project`, else the working folder when
 * it is one); outside a project a bare name stays a path, as before projects existed.
 */
export async function resolveTableArgument(argument: string, projectDir: string | undefined, cwd = process.cwd()): Promise<string> {
  if (await isPath(argument, cwd)) return argument;
  let project: Project;
  try {
    project = await Project.open(projectDir ?? cwd);
  } catch (error) {
    if (projectDir === undefined && error instanceof AquiferError && error.code === 'PROJECT_NOT_FOUND') return argument;
    throw error;
  }
  return project.tablePath(argument);
}
