import type { FeatureDefinition } from '../definitions/definitions.js';
import type { OnlineStore } from '../online/online-store.js';
import { planAggregation, tileStart, windowStart } from './aggregation-plan.js';
import { readAggregationMeta } from './stream-aggregator.js';
import { finalizeAggregate, type AggregationState, type Tile } from './tiles.js';
import type { FeatureView } from '../definitions/definitions.js';

/** One entity's windowed aggregates as of a time. */
export interface AggregatedValues {
  /** Whether the entity has tiles of the current generation. */
  found: boolean;
  /** Newest event time (ms) among the tiles the windows cover; 0 when none. */
  newest: number;
  values: Record<string, unknown>;
}

/**
 * Each entity's aggregates as of `atMs`, combined from its stored tiles: a window covers
 * the tiles from its start up to the one `atMs` falls in. The stream is assumed to hold
 * no events later than `atMs` (serving asks as of now), so the newest tile counts whole.
 */
export async function readAggregates(
  store: OnlineStore,
  view: FeatureView,
  features: readonly FeatureDefinition[],
  keys: readonly string[],
  atMs: number,
): Promise<AggregatedValues[]> {
  const plan = planAggregation(view.name, view.aggregation ?? { interval: 0, aggregations: [] });
  const wanted = plan.aggregates.filter((a) => features.some((f) => f.name === a.feature.name));
  const [meta, stored] = await Promise.all([readAggregationMeta(store, view.name), store.read(view.name, keys)]);
  const kinds = meta?.kinds ?? {};
  const slotIndex = new Map((meta?.slots ?? []).map((id, i) => [id, i]));
  const last = tileStart(atMs, plan.intervalMs);
  const windows = wanted.map((aggregate) => ({ aggregate, from: windowStart(atMs, aggregate, plan.intervalMs) }));
  return stored.map((row) => {
    const state = row?.values['state'] as AggregationState | undefined;
    // Tiles of an older generation belong to entities a rebuild no longer found.
    const found = state !== undefined && meta !== undefined && state.generation >= meta.generation;
    const tiles = found ? state.tiles : [];
    let newest = 0;
    const values: Record<string, unknown> = {};
    for (const { aggregate, from } of windows) {
      const inWindow: Tile[] = tiles.filter((tile) => tile[0] >= from && tile[0] <= last);
      for (const tile of inWindow) newest = Math.max(newest, tile[1]);
      values[aggregate.feature.name] = finalizeAggregate(aggregate, inWindow, kinds, slotIndex);
    }
    return { found, newest, values };
  });
}
