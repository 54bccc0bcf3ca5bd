import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * A Delta log written directly as JSON, for loads and request counts at sizes no writer
 * could reach in reasonable time: commits `from`..`to` of `table`, each after the first
 * adding `perCommit` files with statistics (the files themselves never exist; loads and
 * checkpoints do not open them).
 */
export async function writeSyntheticCommits(table: string, from: number, to: number, perCommit: number): Promise<void> {
  const logDir = path.join(table, '_delta_log');
  await mkdir(logDir, { recursive: true });
  const schema = JSON.stringify({
    type: 'struct',
    fields: [
      { name: 'id', type: 'long', nullable: true, metadata: {} },
      { name: 'value', type: 'double', nullable: true, metadata: {} },
    ],
  });
  const start = Date.UTC(2024, 0, 1);
  const commit = (v: number): string => {
    const lines: object[] = [
      {
        commitInfo: {
          timestamp: start + v * 1000,
          operation: v === 0 ? 'CREATE TABLE' : 'WRITE',
          operationParameters: { mode: 'Append' },
          isBlindAppend: v > 0,
        },
      },
    ];
    if (v === 0) {
      lines.push(
        { protocol: { minReaderVersion: 1, minWriterVersion: 2 } },
        {
          metaData: {
            id: randomUUID(),
            format: { provider: 'parquet', options: {} },
            schemaString: schema,
            partitionColumns: [],
            configuration: {},
            createdTime: start,
          },
        },
      );
    } else {
      for (let f = 0; f < perCommit; f++) {
        const n = (v - 1) * perCommit + f;
        const stats = { numRecords: 100, minValues: { id: n * 100, value: 0.5 }, maxValues: { id: n * 100 + 99, value: 99.5 }, nullCount: { id: 0, value: 0 } };
        lines.push({
          add: {
            path: `part-${String(n).padStart(7, '0')}-${randomUUID()}.parquet`,
            partitionValues: {},
            size: 2048,
            modificationTime: start + v * 1000,
            dataChange: true,
            stats: JSON.stringify(stats),
          },
        });
      }
    }
    return lines.map((l) => JSON.stringify(l)).join('\n') + '\n';
  };
  for (let first = from; first <= to; first += 500) {
    const versions = Array.from({ length: Math.min(500, to + 1 - first) }, (_, i) => first + i);
    await Promise.all(versions.map((v) => writeFile(path.join(logDir, `${String(v).padStart(20, '0')}.json`), commit(v))));
  }
}
