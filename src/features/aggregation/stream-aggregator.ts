import type { Engine, Row } from '../../engine/index.js';
import { log } from '../../log.js';
import { CommitMissingError, type AddFile, type DeltaTable } from '../../table/index.js';
import type { ResolvedView } from '../definitions/resolve.js';
import { viewSourceSchema, viewSourceSql } from '../definitions/view-source.js';
import { entityKey, type OnlineRow, type OnlineStore } from '../online/online-store.js';
import { planAggregation, type AggregationPlan } from './aggregation-plan.js';
import { tilePartialsSql } from './aggregation-sql.js';
import { planKinds, planSlots, type Slot, type ValueKind } from './slots.js';
import { mergeTiles, pruneTiles, type AggregationState, type LastValue, type Tile } from './tiles.js';

/**
 * What the online store records per aggregation view, under `aggregation:<view>`: the
 * table version every entity's tiles include, the generation of the last rebuild, the
 * columns' value kinds (readers need them to combine tiles), and the batch under way.
 * Writing `pending` before touching any entity and clearing it after makes a batch
 * redoable after a crash: an entity already at the batch's version is skipped.
 */
export interface AggregationMeta {
  version: number;
  generation: number;
  kinds: Record<string, ValueKind>;
  /** The slot ids in the order tiles hold them; a plan with other slots needs a rebuild. */
  slots: string[];
  pending?: { to: number; generation: number; rebuild: boolean };
}

export interface AggregateResult {
  view: string;
  /** The table version the view's tiles now include. */
  tableVersion: number;
  /** Commits folded in by this call. */
  commits: number;
  /** Entities whose tiles were written. */
  entities: number;
  /** Whether the tiles were rebuilt from the whole table (first run, `rebuild`, or a commit that removed rows). */
  rebuilt: boolean;
}

export interface AggregateOptions {
  /** Recompute every entity's tiles from the whole table. */
  rebuild?: boolean;
  /** Commits folded per batch (default 500). */
  maxCommits?: number;
  /** Stop at this table version instead of the latest. */
  untilVersion?: number;
  /** Entities read, merged and written together (default 2,000). */
  entityBatch?: number;
  onEntities?: (entities: number) => void;
}

export function aggregationMetaKey(view: string): string {
  return `aggregation:${view}`;
}

export async function readAggregationMeta(store: OnlineStore, view: string): Promise<AggregationMeta | undefined> {
  const text = await store.getMeta(aggregationMetaKey(view));
  return text === undefined ? undefined : (JSON.parse(text) as AggregationMeta);
}

/**
 * Bring one aggregation view's tiles in the online store up to the table's latest
 * version: fold in the rows each new commit appended (DuckDB sums them up per entity
 * and tile; the tiles are merged into the stored ones), or rebuild from the whole table
 * the first time and whenever a commit removed rows, which appended tiles cannot take
 * back. Running it again, or after a crash at any point, converges on the same tiles.
 * One aggregator per view at a time.
 */
export async function aggregateView(
  engine: Engine,
  table: DeltaTable,
  resolved: ResolvedView,
  store: OnlineStore,
  options: AggregateOptions = {},
): Promise<AggregateResult> {
  const view = resolved.view;
  const plan = planAggregation(view.name, view.aggregation ?? { interval: 0, aggregations: [] });
  const maxCommits = options.maxCommits ?? 500;
  let meta = await readAggregationMeta(store, view.name);
  const result: AggregateResult = { view: view.name, tableVersion: meta?.version ?? -1, commits: 0, entities: 0, rebuilt: false };
  let rebuild = options.rebuild === true;
  for (;;) {
    const snapshot = await table.snapshot(options.untilVersion === undefined ? {} : { version: options.untilVersion });
    const kinds = planKinds(
      view.name,
      plan,
      await viewSourceSchema(engine, view, snapshot.schema, async () => (await table.scan({ version: snapshot.version })).sql()),
    );
    const slotIds = planSlots(plan).map((slot) => slot.id);
    // Tiles laid out for other aggregations cannot be folded into: rebuild them.
    if (meta !== undefined && meta.pending === undefined && JSON.stringify(meta.slots) !== JSON.stringify(slotIds)) rebuild = true;
    let pending = meta?.pending;
    if (pending === undefined) {
      if (meta === undefined || rebuild) {
        pending = { to: snapshot.version, generation: (meta?.generation ?? 0) + 1, rebuild: true };
      } else if (meta.version >= snapshot.version) {
        break;
      } else {
        const to = Math.min(snapshot.version, meta.version + maxCommits);
        const added = await filesAdded(table, meta.version, to);
        pending =
          added === undefined ? { to: snapshot.version, generation: meta.generation + 1, rebuild: true } : { to, generation: meta.generation, rebuild: false };
      }
      rebuild = false;
      meta = { version: meta?.version ?? -1, generation: meta?.generation ?? 0, kinds, slots: slotIds, pending };
      await store.setMeta(aggregationMetaKey(view.name), JSON.stringify(meta));
    }
    let files: AddFile[] | undefined;
    if (!pending.rebuild) {
      files = await filesAdded(table, meta!.version, pending.to);
      if (files === undefined) {
        // The commits were cleaned up (or rewrote rows) since the batch began: rebuild instead.
        meta = { ...meta!, pending: { to: snapshot.version, generation: pending.generation + 1, rebuild: true } };
        await store.setMeta(aggregationMetaKey(view.name), JSON.stringify(meta));
        continue;
      }
    }
    if (pending.rebuild)
      log.info({ view: view.name, version: pending.to, generation: pending.generation }, 'rebuilding aggregation tiles from the whole table');
    const scan = await table.scan({ version: pending.to, ...(files === undefined ? {} : { files }) });
    const { sql, slots } = tilePartialsSql(viewSourceSql(view, await scan.sql()), view.source, resolved.joinKeys, plan, kinds);
    result.entities += await applyPartials(
      engine,
      sql,
      { view: view.name, keys: resolved.joinKeys, slots, kinds, plan, store, entityBatch: options.entityBatch ?? 2_000, ...pending },
      (n) => options.onEntities?.(result.entities + n),
    );
    result.commits += pending.to - meta!.version;
    result.rebuilt ||= pending.rebuild;
    meta = { version: pending.to, generation: pending.generation, kinds, slots: slotIds };
    await store.setMeta(aggregationMetaKey(view.name), JSON.stringify(meta));
    result.tableVersion = pending.to;
  }
  return result;
}

/** Files the commits in (from, to] appended, or undefined when one removed rows or is gone. */
async function filesAdded(table: DeltaTable, from: number, to: number): Promise<AddFile[] | undefined> {
  const files: AddFile[] = [];
  for (let version = from + 1; version <= to; version++) {
    let actions;
    try {
      actions = await table.commitActions(version);
    } catch (error) {
      if (error instanceof CommitMissingError) return undefined;
      throw error;
    }
    for (const action of actions) {
      if (action.kind === 'remove' && action.remove.dataChange) return undefined;
      if (action.kind === 'add' && action.add.dataChange) {
        if (action.add.deletionVector !== undefined) return undefined;
        files.push(action.add);
      }
    }
  }
  return files;
}

interface ApplyContext {
  view: string;
  keys: readonly string[];
  slots: readonly Slot[];
  kinds: Readonly<Record<string, ValueKind>>;
  plan: AggregationPlan;
  store: OnlineStore;
  entityBatch: number;
  to: number;
  generation: number;
  rebuild: boolean;
}

/** Merge the partials (ordered by entity) into the stored tiles, a batch of entities at a time. */
async function applyPartials(engine: Engine, sql: string, context: ApplyContext, onEntities: (entities: number) => void): Promise<number> {
  let batch = new Map<string, Tile[]>();
  let written = 0;
  const flush = async () => {
    written += await mergeEntities(batch, context);
    onEntities(written);
    batch = new Map();
  };
  for await (const chunk of engine.stream(sql)) {
    for (const row of chunk.rows) {
      const key = entityKey(context.keys.map((k) => row[k]));
      let tiles = batch.get(key);
      if (tiles === undefined) {
        if (batch.size >= context.entityBatch) await flush();
        tiles = [];
        batch.set(key, tiles);
      }
      tiles.push(tileOf(row, context.slots));
    }
  }
  await flush();
  return written;
}

async function mergeEntities(batch: ReadonlyMap<string, Tile[]>, context: ApplyContext): Promise<number> {
  if (batch.size === 0) return 0;
  const keys = [...batch.keys()];
  const stored = await context.store.read(context.view, keys);
  const rows: OnlineRow[] = [];
  keys.forEach((key, i) => {
    const state = stored[i]?.values['state'] as AggregationState | undefined;
    const current = state !== undefined && state.generation === context.generation;
    if (!context.rebuild && current && state.version >= context.to) return;
    const tiles = pruneTiles(
      mergeTiles(!context.rebuild && current ? state.tiles : [], batch.get(key) ?? [], context.slots, context.kinds),
      context.plan.maxWindowMs,
    );
    const newest = tiles.reduce((max, tile) => Math.max(max, tile[1]), 0);
    const next: AggregationState = { generation: context.generation, version: context.to, tiles };
    rows.push({ key, eventTs: newest, values: { state: next } });
  });
  await context.store.replace(context.view, rows);
  return rows.length;
}

/** One partial row from DuckDB as a tile: counts as numbers, `last` as a tuple. */
function tileOf(row: Row, slots: readonly Slot[]): Tile {
  const tile: Tile = [Number(row['aq_tile']), Number(row['aq_newest'])];
  slots.forEach((slot, i) => {
    const value = row[`aq_s${i}`] ?? null;
    if (value === null) tile.push(null);
    else if (slot.kind === 'rows' || slot.kind === 'count') tile.push(Number(value));
    else if (slot.kind === 'last') {
      const last = value as { t: unknown; c: unknown; v: unknown };
      tile.push([Number(last.t), Number(last.c), last.v] satisfies LastValue);
    } else tile.push(value);
  });
  return tile;
}
