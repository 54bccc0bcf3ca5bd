#!/usr/bin/env node
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeError } from '../errors.js';
import { Project } from '../project/index.js';
import { DeltaTable, describeType } from '../table/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '..', '..', 'data', 'demo');
const say = (text = '') => process.stdout.write(`${text}\n`);

/**
 * The demo on the embedded default: one process, one project folder, no services.
 * It loads a day of clickstream events into a Delta table, appends the next day,
 * and reads the table back at both versions.
 */
async function main(projectDir: string): Promise<void> {
  await fs.rm(projectDir, { recursive: true, force: true });
  const project = await Project.init(projectDir, 'demo');
  say(`1. Created the project folder ${project.root} (config ${path.join(project.root, 'aquifer.json')}).`);

  const location = project.tablePath('events');
  const first = path.join(DATA, 'events-2024-05-01.csv');
  const { table, result: created } = await DeltaTable.create(location, {
    data: { files: first },
    partitionColumns: ['event_date'],
    name: 'events',
    description: 'Web shop clickstream: page views, searches, add-to-carts and purchases',
  });
  say(`2. Loaded ${path.basename(first)} into the Delta table ${location}: ${created.rows} events in ${created.filesAdded} Parquet file(s), version ${created.version}.`);

  const second = path.join(DATA, 'events-2024-05-02.csv');
  const appended = await table.append({ files: second });
  say(`3. Appended ${path.basename(second)}: ${appended.rows} more events in ${appended.filesAdded} file(s), committed atomically as version ${appended.version}.`);

  say('4. The table\'s history, newest first:');
  for (const entry of await table.history()) {
    const metrics = entry.operationMetrics as Record<string, string>;
    say(`     version ${entry.version}  ${new Date(entry.timestamp).toISOString()}  ${entry.operation ?? '?'}  (${metrics['numOutputRows'] ?? '?'} rows, ${metrics['numFiles'] ?? '?'} files)`);
  }

  const atFirst = await (await table.scan({ version: 0 })).count();
  const latest = await (await table.scan()).count();
  say(`5. Time travel: version 0 holds ${atFirst} events; the latest version holds ${latest}.`);

  const purchases = await table.scan({ where: "event_date = DATE '2024-05-02' AND event_type = 'purchase'", columns: ['event_time', 'user_id', 'product_id', 'price', 'quantity', 'country'], limit: 5 });
  const plan = await purchases.plan();
  say(`6. Purchases on 2024-05-02: partition pruning left ${plan.files.length} of ${plan.totalFiles} files to open. The first five:`);
  for (const row of await purchases.rows()) say(`     ${JSON.stringify(row)}`);

  const snapshot = await table.snapshot();
  say(`7. The table at version ${snapshot.version}: protocol reader v${snapshot.protocol.minReaderVersion} / writer v${snapshot.protocol.minWriterVersion}, partitioned by ${snapshot.partitionColumns.join(', ')}, ${snapshot.files.length} files, ${snapshot.sizeInBytes} bytes. Schema:`);
  for (const field of snapshot.schema.fields) say(`     ${field.name.padEnd(12)} ${describeType(field.type)}${snapshot.partitionColumns.includes(field.name) ? '  (partition)' : ''}`);
  say('   Files:');
  for (const file of snapshot.files) say(`     ${decodeURIComponent(file.path)}  ${file.size} bytes`);
  say();
  say(`Done. The table is plain Delta Lake: Spark, delta-rs, DuckDB and Polars can read ${location}.`);
  say(`Try: npx aquifer table read ${path.relative(process.cwd(), location)} --where "event_type = 'purchase'" --limit 5`);
}

main(path.resolve(process.argv[2] ?? 'demo-project')).catch((error: unknown) => {
  process.stderr.write(`demo failed: ${describeError(error)}\n`);
  process.exitCode = 1;
});
