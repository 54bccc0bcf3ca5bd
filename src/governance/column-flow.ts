import type { OpenLineageRunEvent } from '../lineage/index.js';

/** A column of a dataset, by its OpenLineage identity. */
export interface DatasetColumn {
  namespace: string;
  name: string;
  column: string;
}

/** One column feeding another through a completed run. */
export interface ColumnFlow {
  from: DatasetColumn;
  to: DatasetColumn;
}

/**
 * Where the values of columns flowed, from the columnLineage facets of completed runs: an
 * edge for each input column whose value reaches an output column (a DIRECT transformation:
 * IDENTITY, TRANSFORMATION, AGGREGATION). Columns that only decide which rows are written
 * (INDIRECT: filters, join keys, conditions) carry no value across, so no personal data.
 * An input field listing no transformations is taken as DIRECT, as older events were written.
 * Every run counts, not just the latest writer of a column: a version written from personal
 * data still holds it until it is erased.
 */
export function columnFlows(events: readonly OpenLineageRunEvent[]): ColumnFlow[] {
  const flows = new Map<string, ColumnFlow>();
  for (const event of events) {
    if (event.eventType !== 'COMPLETE') continue;
    for (const output of event.outputs) {
      const fields = output.facets?.['columnLineage']?.['fields'];
      if (typeof fields !== 'object' || fields === null) continue;
      for (const [column, entry] of Object.entries(fields as Record<string, unknown>)) {
        const inputs = typeof entry === 'object' && entry !== null && 'inputFields' in entry ? entry.inputFields : undefined;
        if (!Array.isArray(inputs)) continue;
        for (const input of inputs as unknown[]) {
          const from = directInput(input);
          if (from === undefined) continue;
          const to = { namespace: output.namespace, name: output.name, column };
          flows.set(`${key(from)}\n${key(to)}`, { from, to });
        }
      }
    }
  }
  return [...flows.values()];
}

export function key(column: DatasetColumn): string {
  return `${column.namespace}\n${column.name}\n${column.column}`;
}

function directInput(input: unknown): DatasetColumn | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { namespace, name, field, transformations } = input as Record<string, unknown>;
  if (typeof namespace !== 'string' || typeof name !== 'string' || typeof field !== 'string') return undefined;
  if (Array.isArray(transformations) && transformations.length > 0) {
    const direct = transformations.some((t: unknown) => typeof t === 'object' && t !== null && (t as Record<string, unknown>)['type'] === 'DIRECT');
    if (!direct) return undefined;
  }
  return { namespace, name, column: field };
}
