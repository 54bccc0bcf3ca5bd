import { COLUMN_AGGREGATE_EXPECTATIONS } from './column-aggregate.js';
import { COLUMN_MAP_EXPECTATIONS } from './column-map.js';
import { COLUMN_PAIR_MAP_EXPECTATIONS } from './column-pair-map.js';
import { COLUMN_TYPE_EXPECTATIONS } from './column-type.js';
import { CUSTOM_SQL_EXPECTATIONS } from './custom-sql.js';
import type { ExpectationDefinition } from './definition.js';
import { MULTICOLUMN_MAP_EXPECTATIONS } from './multicolumn-map.js';
import { TABLE_EXPECTATIONS } from './table.js';

/** Every expectation Aquifer evaluates, by GE's name. */
export const EXPECTATIONS: ReadonlyMap<string, ExpectationDefinition> = new Map<string, ExpectationDefinition>([
  ...Object.entries(COLUMN_MAP_EXPECTATIONS),
  ...Object.entries(COLUMN_PAIR_MAP_EXPECTATIONS),
  ...Object.entries(MULTICOLUMN_MAP_EXPECTATIONS),
  ...Object.entries(COLUMN_TYPE_EXPECTATIONS),
  ...Object.entries(CUSTOM_SQL_EXPECTATIONS),
  ...Object.entries(COLUMN_AGGREGATE_EXPECTATIONS),
  ...Object.entries(TABLE_EXPECTATIONS),
]);

export const expectationTypes = (): string[] => [...EXPECTATIONS.keys()].sort();
