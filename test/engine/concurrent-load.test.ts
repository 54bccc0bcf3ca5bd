import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';

describe('loading rows while other work runs on the engine', () => {
  it('keeps every load and every query whole when they overlap on the shared engine', async () => {
    const engine = await Engine.create({ threads: 2 });
    try {
      const rows = Array.from({ length: 10 }, (_, i) => [i, `row ${i}`] as const);
      const work: Promise<unknown>[] = [];
      // Many short queries in flight while appenders flush: when loads shared the engine's
      // connection, a query starting between the two halves of an appender's flush closed it
      // ("unsuccessful or closed pending query result"), about once in a few thousand loads.
      for (let round = 0; round < 2_500; round++) {
        work.push(engine.query(`SELECT ${round} AS round`));
        work.push(
          (async () => {
            const name = `load_${round}`;
            await engine.createTempTable(
              name,
              [
                { name: 'id', type: 'BIGINT' },
                { name: 'label', type: 'VARCHAR' },
              ],
              rows,
            );
            const counted = await engine.query(`SELECT count(*) AS n, max(label) AS last FROM "${name}"`);
            await engine.run(`DROP TABLE "${name}"`);
            return counted;
          })(),
        );
      }
      const results = await Promise.allSettled(work);
      expect(results.filter((r) => r.status === 'rejected').map((r) => String(r.reason))).toEqual([]);
      results.forEach((result, i) => {
        const value = (result as PromiseFulfilledResult<unknown>).value;
        expect(value).toEqual(i % 2 === 0 ? [{ round: i / 2 }] : [{ n: 10n, last: 'row 9' }]);
      });
    } finally {
      engine.close();
    }
  });

  it('lets the event loop run while a large load is appended, and loads every row', async () => {
    const engine = await Engine.create({ threads: 1 });
    try {
      let turns = 0;
      let turnsDuringLoad = -1;
      // Counts event-loop turns; a load that never let go would leave this at 0 until it is done.
      const tick = () => {
        turns++;
        if (turnsDuringLoad < 0) setImmediate(tick);
      };
      setImmediate(tick);
      function* rows() {
        // Counted from the first row taken, so the awaits before the appender starts do not count.
        const before = turns;
        for (let i = 0; i < 10_000; i++) yield [i, `row ${i}`] as const;
        turnsDuringLoad = turns - before;
      }
      await engine.createTempTable(
        'big_load',
        [
          { name: 'id', type: 'BIGINT' },
          { name: 'label', type: 'VARCHAR' },
        ],
        rows(),
      );
      expect(turnsDuringLoad).toBeGreaterThanOrEqual(5);
      expect(await engine.query('SELECT count(*)::INTEGER AS n, sum(id)::BIGINT AS total FROM big_load')).toEqual([{ n: 10_000, total: 49_995_000n }]);
    } finally {
      engine.close();
    }
  });

  it('streams every row of a result while other queries run on the engine between its chunks', async () => {
    const engine = await Engine.create({ threads: 2 });
    try {
      let rows = 0;
      let between = 0;
      for await (const chunk of engine.stream('SELECT i FROM range(100000) t(i)')) {
        rows += chunk.rows.length;
        // Another request's query, as a background log write would run: it must not end the stream.
        between += (await engine.query('SELECT 1 AS one')).length;
      }
      expect(rows).toBe(100_000);
      expect(between).toBeGreaterThan(1);
    } finally {
      engine.close();
    }
  });
});
