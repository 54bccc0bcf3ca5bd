import { describeFields } from '../../table/index.js';
import type { SchemaMonitor } from '../monitors/definition.js';
import type { CheckContext, CheckOutcome } from './check.js';

interface SeenSchema {
  version: number;
  fields: { name: string; type: string }[];
}

/**
 * The table's top-level columns against those the monitor saw last: a dropped or retyped
 * column is a breach (readers break), an added one only a notice (readers go on). The first
 * run records a baseline. Each run remembers what it saw, so a change breaches once, at the
 * run that first sees it; the next run is ok again (and resolves the alert).
 */
export async function checkSchema(_monitor: SchemaMonitor, context: CheckContext): Promise<CheckOutcome> {
  const snapshot = await context.table.snapshot();
  const fields = describeFields(snapshot.schema);
  const seen = seenSchema(context.memory['schema']);
  const memory = { schema: { version: snapshot.version, fields } satisfies SeenSchema };
  if (seen === undefined)
    return { status: 'ok', value: 0, threshold: 0, tableVersion: snapshot.version, details: { baseline: true, columns: fields.length }, memory };
  const before = new Map(seen.fields.map((f) => [f.name, f.type]));
  const after = new Map(fields.map((f) => [f.name, f.type]));
  const added = fields.filter((f) => !before.has(f.name));
  const dropped = seen.fields.filter((f) => !after.has(f.name));
  const retyped = fields.flatMap((f) => {
    const was = before.get(f.name);
    return was !== undefined && was !== f.type ? [{ name: f.name, from: was, to: f.type }] : [];
  });
  const breaking = dropped.length + retyped.length;
  return {
    status: breaking > 0 ? 'breach' : 'ok',
    value: breaking,
    threshold: 0,
    tableVersion: snapshot.version,
    details: {
      sinceVersion: seen.version,
      added,
      dropped,
      retyped,
      ...(added.length > 0 && breaking === 0 ? { notice: `${added.length} column(s) added` } : {}),
    },
    memory,
  };
}

function seenSchema(value: unknown): SeenSchema | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { version, fields } = value as Partial<SeenSchema>;
  return typeof version === 'number' && Array.isArray(fields) ? { version, fields } : undefined;
}
