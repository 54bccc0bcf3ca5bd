import { checkKey, Parser, type Entity, type SearchSchema, type ValueOf } from './filter.js';
import { searchInvalid, tokenize } from './tokens.js';

export interface OrderBy {
  entity: Entity;
  key: string;
  ascending: boolean;
}

/** `metrics.acc DESC`, `attributes.start_time`, `` params.`my key` ASC ``: one clause per order_by entry. */
export function parseOrderBy(clauses: readonly string[], schema: SearchSchema): OrderBy[] {
  return clauses.map((clause) => {
    const parser = new Parser(tokenize(clause), clause);
    const key = checkKey(parser.key(), schema, clause);
    let ascending = true;
    if (parser.keyword('DESC')) ascending = false;
    else parser.keyword('ASC');
    if (!parser.done()) throw searchInvalid(`Invalid order_by clause ${JSON.stringify(clause)}; use "<key> [ASC|DESC]"`, clause);
    return { entity: key.entity, key: key.key, ascending };
  });
}

/**
 * Sorts by the clauses in turn; an item without the key sorts last in either direction, as
 * MLflow sorts it. `tieBreak` orders what the clauses leave equal.
 */
export function sortBy<T>(items: readonly T[], orderBy: readonly OrderBy[], valueOf: (item: T) => ValueOf, tieBreak: (a: T, b: T) => number): T[] {
  return [...items].sort((a, b) => {
    for (const clause of orderBy) {
      const x = valueOf(a)(clause.entity, clause.key);
      const y = valueOf(b)(clause.entity, clause.key);
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const order = x < y ? -1 : x > y ? 1 : 0;
      if (order !== 0) return clause.ascending ? order : -order;
    }
    return tieBreak(a, b);
  });
}
