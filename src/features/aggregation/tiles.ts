import { compareCodePoints } from '../../engine/index.js';
import type { WindowedAggregate } from './aggregation-plan.js';
import { slotsOf, type Slot, type ValueKind } from './slots.js';

/**
 * One tile's partial aggregates: its start and newest event time (epoch ms), then one
 * value per slot in the plan's slot order (the order is recorded with the tiles). Values
 * are JSON: counts as numbers, integer sums and values as decimal strings, `last` as
 * [event µs, created µs, value], distinct values as strings. Arrays, not keyed objects,
 * because every fold rewrites and every request decodes an entity's tiles.
 */
export type Tile = [start: number, newest: number, ...slots: unknown[]];

/** One entity's tiles in the online store, stamped with what produced them. */
export interface AggregationState {
  /** The rebuild generation; states of an older generation are stale and read as empty. */
  generation: number;
  /** The table version the tiles include every commit up to. */
  version: number;
  /** Tiles in start order. */
  tiles: Tile[];
}

export type LastValue = [eventUs: number, createdUs: number, value: unknown];

/** Compare two values of a kind the way DuckDB orders them (strings by code point, as UTF-8 bytes sort). */
export function compareValues(kind: ValueKind, a: unknown, b: unknown): number {
  switch (kind) {
    case 'int': {
      const x = BigInt(a as string | number);
      const y = BigInt(b as string | number);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'float':
      return (a as number) - (b as number);
    case 'bool':
      return Number(a) - Number(b);
    default:
      return compareCodePoints(String(a), String(b));
  }
}

function compareLast(kind: ValueKind, a: LastValue, b: LastValue): number {
  return a[0] - b[0] || a[1] - b[1] || compareValues(kind, a[2], b[2]);
}

/** Fold one slot's value from another tile into an accumulated one. */
export function mergeSlot(slot: Slot, kind: ValueKind | undefined, into: unknown, from: unknown): unknown {
  if (from === null || from === undefined) return into ?? null;
  if (into === null || into === undefined) return slot.kind === 'distinct' ? [...(from as string[])] : from;
  switch (slot.kind) {
    case 'rows':
    case 'count':
      return (into as number) + (from as number);
    case 'sum':
      return kind === 'int' ? (BigInt(into as string) + BigInt(from as string)).toString() : (into as number) + (from as number);
    case 'min':
      return compareValues(kind ?? 'float', from, into) < 0 ? from : into;
    case 'max':
      return compareValues(kind ?? 'float', from, into) > 0 ? from : into;
    case 'last':
      return compareLast(kind ?? 'float', from as LastValue, into as LastValue) > 0 ? from : into;
    case 'distinct': {
      const union = new Set(into as string[]);
      for (const value of from as string[]) union.add(value);
      return [...union];
    }
  }
}

/** Fold a tile into another with the same start, slot by slot. */
export function mergeTile(into: Tile, from: Tile, slots: readonly Slot[], kinds: Readonly<Record<string, ValueKind>>): Tile {
  const merged: Tile = [into[0], Math.max(into[1], from[1])];
  slots.forEach((slot, i) => {
    merged.push(mergeSlot(slot, slot.column === undefined ? undefined : kinds[slot.column], into[i + 2], from[i + 2]));
  });
  return merged;
}

/** Fold new tiles (any order, starts possibly repeated) into stored ones (in start order); the result is in start order. */
export function mergeTiles(stored: readonly Tile[], added: readonly Tile[], slots: readonly Slot[], kinds: Readonly<Record<string, ValueKind>>): Tile[] {
  const byStart = new Map<number, Tile>();
  for (const tile of stored) byStart.set(tile[0], tile);
  for (const tile of added) {
    const existing = byStart.get(tile[0]);
    byStart.set(tile[0], existing === undefined ? tile : mergeTile(existing, tile, slots, kinds));
  }
  return [...byStart.values()].sort((a, b) => a[0] - b[0]);
}

/**
 * An aggregate's value over the given tiles (those of its window), as the training set
 * has it: counts are 0 over no rows, the others NULL.
 */
export function finalizeAggregate(
  aggregate: WindowedAggregate,
  tiles: readonly Tile[],
  kinds: Readonly<Record<string, ValueKind>>,
  slotIndex: ReadonlyMap<string, number>,
): unknown {
  const kind = aggregate.column === undefined ? undefined : kinds[aggregate.column];
  const combined = slotsOf(aggregate).map((slot) => {
    const index = slotIndex.get(slot.id);
    let acc: unknown = null;
    if (index !== undefined) for (const tile of tiles) acc = mergeSlot(slot, kind, acc, tile[index + 2]);
    return acc;
  });
  const [first, second] = combined;
  switch (aggregate.function) {
    case 'count':
      return (first as number | null) ?? 0;
    case 'count_distinct':
      return first === null ? 0 : (first as string[]).length;
    case 'avg': {
      const count = (second as number | null) ?? 0;
      return count === 0 || first === null ? null : Number(first) / count;
    }
    case 'last':
      return first === null ? null : output((first as LastValue)[2], kind, aggregate.feature.type);
    default:
      return first === null ? null : output(first, kind, aggregate.feature.type);
  }
}

/** A value in its declared type: integers exact (a number when it fits, else a string), doubles as numbers. */
function output(value: unknown, kind: ValueKind | undefined, declared: string): unknown {
  if (declared === 'double' || declared === 'float') return Number(value);
  if (kind === 'int') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : String(value);
  }
  return value;
}

/** Drop tiles no window can reach again: older than the newest tile by more than the longest window. */
export function pruneTiles(tiles: readonly Tile[], maxWindowMs: number): Tile[] {
  const last = tiles[tiles.length - 1];
  if (last === undefined) return [];
  const oldest = last[0] - maxWindowMs;
  return tiles.filter((tile) => tile[0] >= oldest);
}
