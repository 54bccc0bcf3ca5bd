#!/usr/bin/env node
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeltaTable } from '../table/index.js';
import { describeError } from '../errors.js';

/** Interim demo: read a Delta table written by Spark. */
async function main(): Promise<void> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const table = await DeltaTable.open(path.resolve(here, '..', '..', '..', 'shared', 'conformance', 'delta-golden', 'snapshot-data3', 'delta'));
  const snapshot = await table.snapshot();
  process.stdout.write(`Read a Spark-written Delta table at version ${snapshot.version} with ${snapshot.files.length} files.\n`);
  const rows = await (await table.scan({ limit: 5 })).rows();
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${describeError(error)}\n`);
  process.exitCode = 1;
});
