/**
 * One Aquifer contender of the write benchmarks in its own process, so its peak RSS is
 * its own: `writes-child.ts PART JSON`. Prints {ms, peakRss, ...} as one JSON line.
 */
import { createHash } from 'node:crypto';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { peakRssBytes } from './peak-rss.js';

interface Config {
  table: string;
  batches?: string[];
  source?: string;
  where?: string;
  out?: string;
  /** False for writes that return before reaching stable storage (no fsync), as raw DuckDB's. */
  durable?: boolean;
  /** delta.checkpointInterval of the table `append` creates, the same as delta-rs's. */
  checkpointInterval?: number;
}

const [part, json] = process.argv.slice(2) as [string, string];
const config = JSON.parse(json) as Config;
const engine = await Engine.create();
const start = performance.now();
/** Set where what follows the timed work (a digest for the agreement checks) must not count. */
let end: number | undefined;
const extra: Record<string, unknown> = {};
switch (part) {
  case 'append': {
    // The first batch creates the table; every batch is one commit.
    const [first, ...rest] = config.batches ?? [];
    const properties = config.checkpointInterval === undefined ? {} : { 'delta.checkpointInterval': String(config.checkpointInterval) };
    const { table } = await DeltaTable.create(config.table, { engine, durable: config.durable ?? true, data: { files: first as string }, properties });
    for (const batch of rest) await table.append({ files: batch });
    break;
  }
  case 'raw-append': {
    // The limit: DuckDB reading each batch and writing it as Parquet, nothing else.
    for (const [i, batch] of (config.batches ?? []).entries())
      await engine.run(
        `COPY (SELECT * FROM read_parquet(${quoteLiteral(batch)})) TO ${quoteLiteral(`${config.out}/raw-${i}.parquet`)} (FORMAT parquet, COMPRESSION snappy)`,
      );
    break;
  }
  case 'merge': {
    const result = await (
      await DeltaTable.open(config.table, { engine })
    ).merge({ source: { files: config.source as string }, on: 'target.id = source.id', whenMatched: [{ update: '*' }], whenNotMatched: [{ insert: '*' }] });
    Object.assign(extra, { updated: result.rowsUpdated, inserted: result.rowsInserted });
    break;
  }
  case 'delete': {
    const result = await (await DeltaTable.open(config.table, { engine })).delete(config.where as string);
    Object.assign(extra, { deleted: result.rowsDeleted, vectors: result.deletionVectorsAdded });
    break;
  }
  case 'checkpoint': {
    await (await DeltaTable.open(config.table, { engine })).checkpoint();
    break;
  }
  case 'load': {
    const snapshot = await (await DeltaTable.open(config.table, { engine })).snapshot();
    end = performance.now();
    // The file list's digest, for comparing states, is not part of the load's time.
    const paths = snapshot.files.map((f) => decodeURIComponent(f.path)).sort();
    Object.assign(extra, { version: snapshot.version, files: paths.length, pathsDigest: createHash('sha256').update(paths.join('\n')).digest('hex') });
    break;
  }
  default:
    throw new Error(`unknown part ${part}`);
}
const ms = (end ?? performance.now()) - start;
engine.close();
process.stdout.write(`${JSON.stringify({ ms, peakRss: peakRssBytes(), ...extra })}\n`);
