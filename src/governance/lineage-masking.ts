import type { Engine } from '../engine/index.js';
import type { OpenLineageRunEvent } from '../lineage/index.js';
import type { Project } from '../project/index.js';
import { key } from './column-flow.js';
import { projectColumns } from './declared-tags.js';

/** Each tagged column of the project's tables by its dataset identity (`key`): what lineage answers are masked by. */
export async function datasetColumnTags(project: Project, engine: Engine, events: readonly OpenLineageRunEvent[]): Promise<Map<string, string[]>> {
  const { declared } = await projectColumns(project, engine, events);
  return new Map(declared.map((c) => [key(c), c.tags]));
}

/** Statistics that stay: counts say nothing of the values. */
const COUNTS = new Set(['nullCount', 'distinctCount', 'count']);

/**
 * A lineage answer (events, Marquez's datasets and runs) as a reader without the `pii` scope
 * may see it: the column statistics OpenLineage's `dataQualityMetrics` facet carries (min,
 * max, sum, quantiles) are left out for each column whose tags `masks` says to mask; counts
 * stay. Any object naming a dataset (`namespace` and `name`) is looked into, so the same walk
 * serves every shape the routes answer.
 */
export function maskLineageAnswer(answer: unknown, tags: ReadonlyMap<string, readonly string[]>, masks: (tags: readonly string[]) => boolean): unknown {
  const walk = (value: unknown, dataset: { namespace: string; name: string } | undefined): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, dataset));
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    const here =
      typeof record['namespace'] === 'string' && typeof record['name'] === 'string' ? { namespace: record['namespace'], name: record['name'] } : dataset;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) {
      if (k === 'columnMetrics' && here !== undefined && typeof v === 'object' && v !== null && !Array.isArray(v)) {
        out[k] = Object.fromEntries(
          Object.entries(v as Record<string, unknown>).map(([column, metrics]) => {
            const columnTags = tags.get(key({ ...here, column })) ?? [];
            if (!masks(columnTags) || typeof metrics !== 'object' || metrics === null) return [column, metrics];
            return [column, Object.fromEntries(Object.entries(metrics as Record<string, unknown>).filter(([m]) => COUNTS.has(m)))];
          }),
        );
      } else out[k] = walk(v, here);
    }
    return out;
  };
  return walk(answer, undefined);
}
