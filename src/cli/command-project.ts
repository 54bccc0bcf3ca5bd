import { sharedEngine } from '../engine/index.js';
import { recordLineage } from '../lineage/index.js';
import { Project } from '../project/index.js';
import { closeAtExit, finishAtExit } from './close-at-exit.js';
import { noteCommandProject } from './command-audit.js';

/**
 * The project a command works in, opened for the command's lifetime: its stores closed and
 * its lineage recorded (every job run the command makes in it), flushed before the command
 * ends. Every command that opens a project for its work opens it here.
 */
export async function openCommandProject(dir: string): Promise<Project> {
  return recordCommandLineage(closeAtExit(await Project.open(dir)));
}

/** Record the lineage of the command's runs in `project` until the command ends (the engine is started only if a run happens). */
export function recordCommandLineage(project: Project): Project {
  finishAtExit(recordLineage(project, sharedEngine));
  // A write the command makes is audited in the first project it opened.
  noteCommandProject(project);
  return project;
}
