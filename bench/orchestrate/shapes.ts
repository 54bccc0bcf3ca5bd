import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Project } from '../../src/project/index.js';

/** Assets per pipelines/*.json file: 10,000 trivial assets in one file would pass the 1 MiB file limit. */
const PER_FILE = 1000;

export type Shape = 'chain' | 'fan-out';

/**
 * `count` trivial SQL assets: a chain (`c_0` is `SELECT 1 AS x`, each next one reads the one
 * before), or a fan-out (`count` children each read the source table `src`, which the project
 * must hold: an asset as the root would make 10,001, over MAX_ASSETS).
 */
export function trivialAssets(shape: Shape, count: number, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  if (shape === 'chain')
    return Array.from({ length: count }, (_, i) => ({
      name: chainName(i),
      kind: 'sql',
      sql: i === 0 ? 'SELECT 1 AS x' : `SELECT x FROM ${chainName(i - 1)}`,
      ...extra,
    }));
  return Array.from({ length: count }, (_, i) => ({ name: `f_${i}`, kind: 'sql', sql: 'SELECT x FROM src', ...extra }));
}

export const chainName = (i: number) => `c_${i}`;

/** The same dependencies as edges (from → to), for the raw topological sort. */
export function edgesOf(assets: readonly Record<string, unknown>[]): { nodes: string[]; edges: [string, string][] } {
  const nodes = assets.map((a) => a['name'] as string);
  if (assets.some((a) => a['sql'] === 'SELECT x FROM src')) nodes.unshift('src');
  const edges: [string, string][] = [];
  for (const asset of assets) {
    const from = /FROM (\w+)$/.exec(asset['sql'] as string)?.[1];
    if (from !== undefined) edges.push([from, asset['name'] as string]);
  }
  return { nodes, edges };
}

/** Replace the project's pipelines/ folder with these assets, PER_FILE to a file. */
export async function writePipelines(project: Project, assets: readonly Record<string, unknown>[]): Promise<void> {
  const dir = path.join(project.root, 'pipelines');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let start = 0, file = 0; start < assets.length; start += PER_FILE, file++)
    await writeFile(path.join(dir, `p${String(file).padStart(3, '0')}.json`), JSON.stringify({ assets: assets.slice(start, start + PER_FILE) }));
}
