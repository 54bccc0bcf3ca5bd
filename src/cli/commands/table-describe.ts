import Table from 'cli-table3';
import type { Command } from 'commander';
import { DeltaTable, describeType, type Snapshot, type SnapshotOptions } from '../../table/index.js';
import { choice, parseNonNegativeInt } from '../options.js';
import { formatBytes, printJson, printText, type InfoFormat } from '../output/print.js';
import { tableStores } from '../table-location.js';

interface DescribeFlags {
  version?: number;
  timestamp?: string;
  format: InfoFormat;
}

export function registerTableDescribe(table: Command): void {
  table
    .command('describe')
    .description('Show a table version: protocol, schema, partition columns, properties, files and size.')
    .argument('<path>', 'table root')
    .option('--version <n>', 'describe this version', parseNonNegativeInt)
    .option('--timestamp <time>', 'describe the version current at this time')
    .option('--format <format>', 'text or json', choice(['text', 'json'] as const), 'text')
    .action(async (location: string, flags: DescribeFlags) => {
      const options: SnapshotOptions = {};
      if (flags.version !== undefined) options.version = flags.version;
      if (flags.timestamp !== undefined) options.timestamp = flags.timestamp;
      const snapshot = await (await DeltaTable.open(location, { stores: tableStores() })).snapshot(options);
      const description = describeSnapshot(snapshot);
      if (flags.format === 'json') printJson(description);
      else printText(renderDescription(description));
    });
}

export function describeSnapshot(snapshot: Snapshot) {
  return {
    location: snapshot.location,
    version: snapshot.version,
    latestVersion: snapshot.latestVersion,
    committedAt: new Date(snapshot.timestamp).toISOString(),
    id: snapshot.metadata.id,
    name: snapshot.metadata.name ?? null,
    description: snapshot.metadata.description ?? null,
    protocol: snapshot.protocol,
    schema: snapshot.schema.fields.map((f) => ({
      name: f.name,
      type: describeType(f.type),
      nullable: f.nullable,
      partition: snapshot.partitionColumns.includes(f.name),
      metadata: f.metadata,
    })),
    partitionColumns: snapshot.partitionColumns,
    properties: snapshot.configuration,
    files: snapshot.files.length,
    bytes: snapshot.sizeInBytes,
    rows: snapshot.numRecords ?? null,
  };
}

function renderDescription(d: ReturnType<typeof describeSnapshot>): string {
  const features = [...(d.protocol.readerFeatures ?? []).map((f) => `${f} (read)`), ...(d.protocol.writerFeatures ?? []).map((f) => `${f} (write)`)];
  const columns = new Table({ head: ['column', 'type', 'nullable', 'partition'], style: { head: [], border: [] } });
  for (const column of d.schema) columns.push([column.name, column.type, column.nullable ? 'yes' : 'no', column.partition ? 'yes' : '']);
  const lines = [
    `Table ${d.location}`,
    `  version        ${d.version}${d.version === d.latestVersion ? ' (latest)' : ` (latest is ${d.latestVersion})`}, committed ${d.committedAt}`,
    `  id             ${d.id}${d.name === null ? '' : `  name ${d.name}`}`,
    ...(d.description === null ? [] : [`  description    ${d.description}`]),
    `  protocol       reader v${d.protocol.minReaderVersion}, writer v${d.protocol.minWriterVersion}${features.length > 0 ? `; features: ${features.join(', ')}` : ''}`,
    `  partitioned by ${d.partitionColumns.length === 0 ? '(none)' : d.partitionColumns.join(', ')}`,
    `  files          ${d.files} (${formatBytes(d.bytes)})${d.rows === null ? '' : `, ${d.rows} rows`}`,
    `  properties     ${
      Object.keys(d.properties).length === 0
        ? '(none)'
        : Object.entries(d.properties)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ')
    }`,
    '',
    columns.toString(),
  ];
  return lines.join('\n');
}
