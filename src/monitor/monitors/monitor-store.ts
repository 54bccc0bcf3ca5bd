import { promises as fs } from 'node:fs';
import path from 'node:path';
import { firstIssue, type Project } from '../../project/index.js';
import { MonitorDefinitionInvalidError, MonitorNotFoundError } from '../errors.js';
import { models } from '../model/model-source.js';
import { MONITOR_NAME, monitorSchema, type MonitorDefinition } from './definition.js';

/** Where a project keeps its monitors: `monitors/<name>.json`, one monitor each. */
export const MONITORS_DIR = 'monitors';
/** A monitor file larger than this is refused before it is parsed. */
export const MAX_MONITOR_BYTES = 256 * 1024;
/** The most monitors a project may define: every run reads every file. */
export const MAX_MONITORS = 1000;

/** The names of the project's monitors (their file names), sorted. */
export async function listMonitorNames(project: Project): Promise<string[]> {
  const names = await fs.readdir(path.join(project.root, MONITORS_DIR)).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ENOENT') return [] as string[];
    throw error;
  });
  const monitors = names
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -'.json'.length))
    .sort();
  if (monitors.length > MAX_MONITORS)
    throw new MonitorDefinitionInvalidError(MONITORS_DIR, '(the folder)', `holds ${monitors.length} monitors, over the limit of ${MAX_MONITORS}`);
  return monitors;
}

/** The project's monitors: those named (each must exist), or all of them. */
export async function readMonitors(project: Project, names?: readonly string[]): Promise<MonitorDefinition[]> {
  const available = await listMonitorNames(project);
  const wanted = names === undefined || names.length === 0 ? available : [...new Set(names)];
  for (const name of wanted) if (!available.includes(name)) throw new MonitorNotFoundError(name, available);
  return Promise.all(wanted.map((name) => readMonitorFile(path.join(project.root, MONITORS_DIR, `${name}.json`))));
}

/** Read and check one monitor file; its name is the file's unless the file names itself the same. */
export async function readMonitorFile(file: string): Promise<MonitorDefinition> {
  const label = path.join(MONITORS_DIR, path.basename(file));
  const fileName = path.basename(file, '.json');
  if (!MONITOR_NAME.test(fileName))
    throw new MonitorDefinitionInvalidError(label, '(the file name)', 'must be letters, digits, _ . - (up to 128), starting with a letter or digit');
  const stat = await fs.stat(file);
  if (stat.size > MAX_MONITOR_BYTES)
    throw new MonitorDefinitionInvalidError(label, '(the whole document)', `is ${stat.size} bytes, over the ${MAX_MONITOR_BYTES}-byte limit`);
  let json: unknown;
  try {
    json = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  } catch {
    throw new MonitorDefinitionInvalidError(label, '(the whole document)', 'is not valid JSON');
  }
  const parsed = monitorSchema.safeParse(json);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error, { intoUnions: true });
    throw new MonitorDefinitionInvalidError(label, issue.path, issue.message);
  }
  if (parsed.data.name !== undefined && parsed.data.name !== fileName)
    throw new MonitorDefinitionInvalidError(label, 'name', `must match the file name (${fileName})`);
  const monitor = parsed.data;
  if (monitor.kind === 'model_drift') {
    // Loaded only for model monitors: the models capability brings ONNX Runtime with it.
    const table = monitor.table ?? (await models()).predictionsTable(monitor.model);
    return { ...monitor, table, name: fileName };
  }
  return { ...monitor, name: fileName };
}
