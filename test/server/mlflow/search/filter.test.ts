import { describe, expect, it } from 'vitest';
import { matches, parseFilter, type SearchSchema, type ValueOf } from '../../../../src/server/mlflow/search/filter.js';
import { parseOrderBy, sortBy } from '../../../../src/server/mlflow/search/order-by.js';
import { pageOf } from '../../../../src/server/mlflow/search/paging.js';

const RUNS: SearchSchema = {
  entities: new Set(['metric', 'param', 'tag', 'attribute']),
  attributes: { run_id: 'string', run_name: 'string', status: 'string', start_time: 'number' },
  aliases: { created: 'start_time' },
};

interface FakeRun {
  id: string;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
  status: string;
  start: number;
}

const runs: FakeRun[] = [
  { id: 'a', metrics: { acc: 0.9, loss: 0.2 }, params: { p: 'v', 'my key': 'x' }, tags: { team: 'ml-core' }, status: 'FINISHED', start: 3 },
  { id: 'b', metrics: { acc: 0.4 }, params: { p: 'w' }, tags: { team: 'ML-ops' }, status: 'FAILED', start: 2 },
  { id: 'c', metrics: {}, params: {}, tags: {}, status: 'RUNNING', start: 1 },
];

const valueOf =
  (run: FakeRun): ValueOf =>
  (entity, key) =>
    entity === 'metric'
      ? run.metrics[key]
      : entity === 'param'
        ? run.params[key]
        : entity === 'tag'
          ? run.tags[key]
          : key === 'status'
            ? run.status
            : key === 'start_time'
              ? run.start
              : key === 'run_id'
                ? run.id
                : undefined;

const ids = (filter: string) =>
  runs
    .filter((run) => matches(parseFilter(filter, RUNS), valueOf(run)))
    .map((r) => r.id)
    .join('');

describe("MLflow's search filter", () => {
  it('compares metrics as numbers, params and tags as text, and joins comparisons with AND', () => {
    expect(ids("metrics.acc > 0.5 and params.p = 'v' and tags.team != 'x' and attributes.status = 'FINISHED'")).toBe('a');
    expect(ids('metrics.acc >= 0.4')).toBe('ab');
    expect(ids('metric.acc < 0.5')).toBe('b');
    expect(ids("params.p != 'v'")).toBe('b');
    expect(ids('')).toBe('abc');
  });

  it('leaves out runs without the key, except for IS NULL', () => {
    expect(ids('metrics.loss != 1')).toBe('a');
    expect(ids('tags.team IS NULL')).toBe('c');
    expect(ids('tags.team IS NOT NULL')).toBe('ab');
  });

  it('matches LIKE case-sensitively and ILIKE without case, with % and _ as SQL has them', () => {
    expect(ids("tags.team LIKE 'ml%'")).toBe('a');
    expect(ids("tags.team ILIKE 'ml%'")).toBe('ab');
    expect(ids("tags.team LIKE 'ML_ops'")).toBe('b');
    expect(ids("tags.team LIKE 'ml.core'")).toBe('');
  });

  it('takes IN lists, backticked and quoted keys, bare attributes and aliases', () => {
    expect(ids("attributes.status IN ('FINISHED', 'RUNNING')")).toBe('ac');
    expect(ids("status NOT IN ('FINISHED')")).toBe('bc');
    expect(ids("params.`my key` = 'x'")).toBe('a');
    expect(ids(`params."my key" = 'x'`)).toBe('a');
    expect(ids('`metrics`.acc > 0.5')).toBe('a');
    expect(ids('attributes.created < 3')).toBe('bc');
    expect(ids("run_id = 'b'")).toBe('b');
  });

  it('refuses unknown syntax, keys, comparators and value types as INVALID_PARAMETER_VALUE', () => {
    for (const filter of [
      "metrics.acc > 0.5 or params.p = 'v'",
      'metrics.acc >',
      "metrics.acc LIKE '0.%'",
      "metrics.acc = 'high'",
      'params.p = 1',
      "things.x = 'y'",
      "attributes.colour = 'red'",
      "params.p = 'unterminated",
      "attributes.status IN 'FINISHED'",
      "params.p IN ('v')",
      'metrics.acc > 0.5;',
      'metrics.acc IS NULL',
      "params.p = 'v' and",
    ]) {
      expect(() => parseFilter(filter, RUNS), filter).toThrow(expect.objectContaining({ code: 'HTTP_BODY_INVALID' }));
    }
  });
});

describe("MLflow's order_by", () => {
  it('sorts by each clause in turn, missing values last in either direction', () => {
    const order = (clauses: string[]) =>
      sortBy(runs, parseOrderBy(clauses, RUNS), valueOf, (a, b) => b.start - a.start)
        .map((r) => r.id)
        .join('');
    expect(order(['metrics.acc DESC'])).toBe('abc');
    expect(order(['metrics.acc ASC'])).toBe('bac');
    expect(order(['attributes.start_time'])).toBe('cba');
    expect(order(['params.`p` DESC'])).toBe('bac');
    expect(order([])).toBe('abc');
    expect(() => parseOrderBy(['metrics.acc SIDEWAYS'], RUNS)).toThrow(expect.objectContaining({ code: 'HTTP_BODY_INVALID' }));
  });

  it('pages with a token that carries the offset', () => {
    const first = pageOf([1, 2, 3], 2, undefined);
    expect(first.items).toEqual([1, 2]);
    expect(pageOf([1, 2, 3], 2, first.nextPageToken)).toEqual({ items: [3] });
    expect(() => pageOf([1], 1, 'not a token')).toThrow(expect.objectContaining({ code: 'HTTP_BODY_INVALID' }));
  });
});
