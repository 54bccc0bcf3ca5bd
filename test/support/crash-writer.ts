/**
 * A writer for the crash harness (test/table/crash): opens the table and applies each
 * next version's operation (crash-operations.ts) until it is killed. Prints "ready" once
 * its engine is up, then one "v<version> <operation>" line as it starts each operation.
 */
import { Engine } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { applyToTable, operationFor } from './crash-operations.js';

const root = process.argv[2] as string;
const engine = await Engine.create({ threads: 1 });
const table = await DeltaTable.open(root, { engine });
process.stdout.write('ready\n');
for (;;) {
  const version = (await table.snapshot()).version + 1;
  process.stdout.write(`v${version} ${operationFor(version)}\n`);
  await applyToTable(table, version);
}
