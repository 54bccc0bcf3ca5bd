import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE, type Project } from '../../project/index.js';
import { readSuite } from '../suite/suite-store.js';
import type { QualityGate } from './gate.js';

/** Whether two table locations (paths or URIs) are the same table. */
function sameLocation(a: string, b: string): boolean {
  const norm = (l: string) => (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(l) ? l.replace(/\/+$/, '') : path.resolve(l));
  return norm(a) === norm(b);
}

/** The table name a location is in the project, when it is one of the project's tables. */
function gatedName(project: Project, location: string): string | undefined {
  const gates = project.config.quality?.gates ?? {};
  return Object.keys(gates).find((name) => sameLocation(project.tablePath(name), location));
}

/**
 * The gate on the project's table at `location` (a path or URI, as commands resolve
 * table arguments), with its suite read from `quality/<suite>.json`; undefined when no
 * suite is attached. A missing or invalid suite fails here, before anything is written.
 */
export async function gateFor(project: Project, location: string): Promise<QualityGate | undefined> {
  const name = gatedName(project, location);
  if (name === undefined) return undefined;
  const suite = project.config.quality?.gates?.[name];
  return suite === undefined ? undefined : { suite: await readSuite(project, suite) };
}

/**
 * Attach a suite to a table (`quality.gates` in aquifer.json), or detach it (`suite`
 * undefined). The suite must exist; the file is rewritten atomically, keeping every other
 * setting as it was. Returns the gates now attached; a Project opened before keeps the old ones.
 */
export async function setGate(project: Project, table: string, suite: string | undefined): Promise<Record<string, string>> {
  project.tablePath(table);
  if (suite !== undefined) await readSuite(project, suite);
  const file = path.join(project.root, CONFIG_FILE);
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  const quality = (typeof json['quality'] === 'object' && json['quality'] !== null ? json['quality'] : {}) as Record<string, unknown>;
  const gates = { ...((quality['gates'] ?? {}) as Record<string, string>) };
  if (suite === undefined) delete gates[table];
  else gates[table] = suite;
  const nextQuality: Record<string, unknown> = { ...quality, gates };
  if (Object.keys(gates).length === 0) delete nextQuality['gates'];
  if (Object.keys(nextQuality).length === 0) delete json['quality'];
  else json['quality'] = nextQuality;
  // Table and suite names were checked above, so the file stays one Project.open accepts.
  const temp = `${file}.${randomUUID()}.tmp`;
  await fs.writeFile(temp, `${JSON.stringify(json, null, 2)}\n`);
  await fs.rename(temp, file);
  return gates;
}
