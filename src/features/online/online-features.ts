import { AquiferError } from '../../errors.js';
import type { ResolvedView } from '../definitions/resolve.js';
import { checkKeySize, entityKey, type OnlineStore } from './online-store.js';
import { readAggregates } from '../aggregation/read-aggregates.js';

/** Feast's `/get-online-features` response: one result per column, entity key columns first. */
export interface OnlineFeaturesResponse {
  metadata: { feature_names: string[] };
  results: { values: unknown[]; statuses: ('PRESENT' | 'NOT_FOUND')[]; event_timestamps: string[] }[];
}

const EPOCH = '1970-01-01T00:00:00Z';

/**
 * Read the latest values for each entity, as Feast serves them: online reads ignore
 * TTL; a stored NULL is PRESENT with a null value; an unknown entity is NOT_FOUND with
 * the epoch as its timestamp.
 */
export async function readOnlineFeatures(
  store: OnlineStore,
  views: readonly ResolvedView[],
  entities: Readonly<Record<string, readonly unknown[]>>,
  fullFeatureNames: boolean,
  atMs: number = Date.now(),
): Promise<OnlineFeaturesResponse> {
  const keyColumns = [...new Set(views.flatMap((v) => v.joinKeys))];
  const lengths = new Set(Object.values(entities).map((values) => values.length));
  if (lengths.size > 1)
    throw new AquiferError('FEATURE_REQUEST_INVALID', 'Every entity key column must have as many values', {
      value: Object.fromEntries(Object.entries(entities).map(([k, v]) => [k, v.length])),
      hint: 'Send one value per entity row in each key column.',
    });
  for (const column of keyColumns) {
    if (!(column in entities))
      throw new AquiferError('FEATURE_REQUEST_INVALID', `The request lacks the entity key '${column}'`, {
        value: Object.keys(entities),
        hint: `Send ${keyColumns.join(', ')} under "entities".`,
      });
  }
  const rows = lengths.size === 0 ? 0 : ([...lengths][0] as number);
  const results: OnlineFeaturesResponse['results'] = keyColumns.map((column) => ({
    values: [...(entities[column] ?? [])],
    statuses: new Array(rows).fill('PRESENT'),
    event_timestamps: new Array(rows).fill(EPOCH),
  }));
  const names: string[] = [...keyColumns];
  const isoSeconds = isoSecondsOf();
  for (const view of views) {
    const keys = Array.from({ length: rows }, (_, i) => entityKey(view.joinKeys.map((k) => (entities[k] as readonly unknown[])[i])));
    for (const key of keys) checkKeySize(view.view.name, key);
    if (view.view.aggregation !== undefined) {
      // Windows slide with the time asked about, so aggregates are combined from tiles now, not stored finished.
      const aggregated = await readAggregates(store, view.view, view.features, keys, atMs);
      const timestamps = aggregated.map((a) => (a.newest === 0 ? EPOCH : isoSeconds(a.newest)));
      const statuses = aggregated.map((a) => (a.found ? 'PRESENT' : 'NOT_FOUND'));
      for (const feature of view.features) {
        names.push(fullFeatureNames ? `${view.view.name}__${feature.name}` : feature.name);
        results.push({
          values: aggregated.map((a) => a.values[feature.name] ?? null),
          statuses,
          event_timestamps: timestamps,
        });
      }
      continue;
    }
    const stored = await store.read(view.view.name, keys);
    // Every feature of a view shares the row's status and time: computed once, not per feature.
    const statuses = stored.map((row) => (row === undefined ? 'NOT_FOUND' : 'PRESENT'));
    const timestamps = stored.map((row) => (row === undefined ? EPOCH : isoSeconds(row.eventTs)));
    for (const feature of view.features) {
      names.push(fullFeatureNames ? `${view.view.name}__${feature.name}` : feature.name);
      results.push({
        values: stored.map((row) => (row === undefined ? null : (row.values[feature.name] ?? null))),
        statuses,
        event_timestamps: timestamps,
      });
    }
  }
  return { metadata: { feature_names: names }, results };
}

/**
 * Event times as Feast writes them, each distinct one formatted once per request: the rows of
 * a materialization mostly share theirs, and formatting a date costs more than reading the row.
 */
function isoSecondsOf(): (ms: number) => string {
  const formatted = new Map<number, string>();
  return (ms) => {
    let text = formatted.get(ms);
    if (text === undefined) {
      text = new Date(ms).toISOString().replace('.000Z', 'Z');
      formatted.set(ms, text);
    }
    return text;
  };
}
