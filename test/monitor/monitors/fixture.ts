import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MONITORS_DIR } from '../../../src/monitor/index.js';
import type { Project } from '../../../src/project/index.js';

/** Write `monitors/<name>.json` into the project. */
export async function writeMonitor(project: Project, name: string, definition: Record<string, unknown>): Promise<void> {
  await mkdir(path.join(project.root, MONITORS_DIR), { recursive: true });
  await writeFile(path.join(project.root, MONITORS_DIR, `${name}.json`), JSON.stringify(definition, null, 2));
}
