/**
 * One of the concurrency test's writers (test/table/concurrency): `WRITER ROOT OPS SEED`.
 * Does OPS operations on the shared table: appends of its own rows, increments of the
 * shared counter row (id 0), deletes and merges of its own rows. A commit that loses to
 * another writer with a logical conflict (CommitConflictError) is retried from a fresh
 * snapshot. Prints one JSON line per operation once it has committed.
 */
import { Engine } from '../../src/engine/index.js';
import { CommitConflictError, DeltaTable } from '../../src/table/index.js';

const [writerText, root, opsText, seedText] = process.argv.slice(2) as [string, string, string, string];
const writer = Number(writerText);
const engine = await Engine.create({ threads: 1 });
const table = await DeltaTable.open(root, { engine });
let seed = Number(seedText) >>> 0;
const next = () => {
  seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
  return seed / 4294967296;
};

const base = writer * 1_000_000;
let appended = 0;
for (let op = 0; op < Number(opsText); op++) {
  const pick = next();
  const kind = appended === 0 || pick < 0.35 ? 'append' : pick < 0.7 ? 'increment' : pick < 0.85 ? 'delete' : 'merge';
  const batch = appended;
  let conflicts = 0;
  // Chosen once, so a retry repeats the same operation.
  const target = kind === 'delete' ? base + Math.floor(next() * appended) * 100 + 3 : kind === 'merge' ? base + Math.floor(next() * appended) * 100 : undefined;
  for (;;) {
    try {
      let version: number;
      let committed = true;
      if (kind === 'append') {
        version = (
          await table.append({ sql: `SELECT (${base + batch * 100} + i)::BIGINT AS id, ${writer} AS writer, 0::BIGINT AS val FROM range(0, 10) t(i)` })
        ).version;
      } else if (kind === 'increment') {
        const result = await table.update({ set: { val: 'val + 1' }, where: 'id = 0' });
        version = result.version;
        committed = result.committed;
      } else if (kind === 'delete') {
        const result = await table.delete(`id = ${target}`);
        version = result.version;
        committed = result.committed;
      } else {
        const result = await table.merge({
          source: { sql: `SELECT (${target as number} + i)::BIGINT AS id, ${writer} AS writer, 7::BIGINT AS val FROM range(5, 15) t(i)` },
          on: 'target.id = source.id',
          whenMatched: [{ update: { val: 'source.val' } }],
          whenNotMatched: [{ insert: '*' }],
        });
        version = result.version;
        committed = result.committed;
      }
      process.stdout.write(`${JSON.stringify({ writer, op, kind, batch, target, version, committed, conflicts })}\n`);
      if (kind === 'append') appended++;
      break;
    } catch (error) {
      if (!(error instanceof CommitConflictError)) throw error;
      conflicts++;
    }
  }
}
engine.close();
