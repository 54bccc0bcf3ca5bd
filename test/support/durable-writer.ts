/**
 * A child process for the durability test: `durable-writer.ts TABLE DURABLE` creates a
 * partitioned table at TABLE and appends to it once, with `durable` on or off.
 */
import { DeltaTable } from '../../src/table/index.js';

const [location, durable] = process.argv.slice(2) as [string, string];
const { table } = await DeltaTable.create(location, {
  durable: durable === 'true',
  data: { sql: "SELECT 1::BIGINT AS id, 'a' AS part" },
  partitionColumns: ['part'],
});
await table.append({ sql: "SELECT 2::BIGINT AS id, 'b' AS part" });
