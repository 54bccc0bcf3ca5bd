import { COLUMN_AGGREGATE_EXPECTATIONS } from './column-aggregate.js';
import { COLUMN_MAP_EXPECTATIONS } from './column-map.js';
import { COLUMN_PAIR_MAP_EXPECTATIONS } from './column-pair-map.js';
import type { ExpectationDefinition } from './definition.js';
import { TABLE_EXPECTATIONS } from './table.js';

/** Every expectation Aquifer evaluates, by GE's name. */
export const EXPECTATIONS: ReadonlyMap<string, ExpectationDefinition> = new Map<string, ExpectationDefinition>([
  ...Object.entries(COLUMN_MAP_EXPECTATIONS),
  ...Object.entries(COLUMN_PAIR_MAP_EXPECTATIONS),
  ...Object.entries(COLUMN_AGGREGATE_EXPECTATIONS),
  ...Object.entries(TABLE_EXPECTATIONS),
]);

export const expectationTypes = (): string[] => [...EXPECTATIONS.keys()].sort();
