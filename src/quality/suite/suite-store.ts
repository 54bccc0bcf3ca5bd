import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Project } from '../../project/index.js';
import { SuiteInvalidError, SuiteNotFoundError } from '../errors.js';
import { parseSuite, suiteToJson, SUITE_NAME, type ExpectationSuite } from './suite.js';

/** Where a project keeps its suites: `quality/<suite>.json`, one GE 1.x suite file each. */
export const SUITES_DIR = 'quality';
/** A suite file larger than this is refused before it is parsed. */
export const MAX_SUITE_BYTES = 4 * 1024 * 1024;

export function suitePath(project: Project, name: string): string {
  if (!SUITE_NAME.test(name))
    throw new SuiteInvalidError(
      `${JSON.stringify(name)} is not a suite name`,
      name,
      'Suite names are letters, digits, _ . - (up to 128), starting with a letter or digit.',
    );
  return path.join(project.root, SUITES_DIR, `${name}.json`);
}

/** Read a suite file (GE 1.x JSON, or Aquifer's with `action`), bounded in size. */
export async function readSuiteFile(file: string, name?: string): Promise<ExpectationSuite> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_SUITE_BYTES)
      throw new SuiteInvalidError(
        `${path.basename(file)} is ${stat.size} bytes, over the ${MAX_SUITE_BYTES}-byte limit for a suite`,
        stat.size,
        'Split the suite.',
      );
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new SuiteNotFoundError(name ?? path.basename(file));
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SuiteInvalidError(`${path.basename(file)} is not valid JSON`, path.basename(file), 'Fix the JSON syntax of the suite file.');
  }
  return parseSuite(json, path.basename(file), name);
}

/** The project's suite of that name. */
export function readSuite(project: Project, name: string): Promise<ExpectationSuite> {
  return readSuiteFile(suitePath(project, name), name);
}

/** Every suite of the project, by name. */
export async function listSuites(project: Project): Promise<string[]> {
  const names = await fs.readdir(path.join(project.root, SUITES_DIR)).catch(() => [] as string[]);
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .filter((n) => SUITE_NAME.test(n))
    .sort();
}

/** Save a suite as `quality/<name>.json`, atomically (a temp file renamed over the old one). */
export async function writeSuite(project: Project, suite: ExpectationSuite): Promise<string> {
  const file = suitePath(project, suite.name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(suiteToJson(suite), null, 2)}\n`);
  await fs.rename(temp, file);
  return file;
}
