/**
 * One Aquifer contender of the S3 benchmarks in its own process, as a CLI command would run:
 * `s3-child.ts PART JSON`. A fresh process starts with an empty DuckDB (no external file
 * cache), so only the disk read cache carries over between runs. Prints {ms, ...} as one line.
 */
import { createHash } from 'node:crypto';
import { Engine } from '../../src/engine/index.js';
import type { S3StoreOptions } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { peakRssBytes } from '../table/peak-rss.js';

interface Config {
  table: string;
  /** Set for a table on S3: endpoint, credentials and read cache. */
  s3?: S3StoreOptions;
  where?: string;
  batches?: string[];
  checkpointInterval?: number;
}

const [part, json] = process.argv.slice(2) as [string, string];
const config = JSON.parse(json) as Config;
const engine = await Engine.create();
const open = { engine, ...(config.s3 === undefined ? {} : { s3: config.s3 }) };
const start = performance.now();
let end: number | undefined;
const extra: Record<string, unknown> = {};
switch (part) {
  case 'scan': {
    const sql = await (await (await DeltaTable.open(config.table, open)).scan(config.where === undefined ? {} : { where: config.where })).sql();
    const [row] = await engine.query(`SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS VARCHAR) AS s FROM (${sql})`);
    Object.assign(extra, { rows: Number(row?.['n']), sumId: String(row?.['s']) });
    break;
  }
  case 'append': {
    const [first, ...rest] = config.batches ?? [];
    const properties = config.checkpointInterval === undefined ? {} : { 'delta.checkpointInterval': String(config.checkpointInterval) };
    const { table } = await DeltaTable.create(config.table, { ...open, data: { files: first as string }, properties });
    let version = 0;
    for (const batch of rest) version = (await table.append({ files: batch })).version;
    Object.assign(extra, { version });
    break;
  }
  case 'load': {
    const snapshot = await (await DeltaTable.open(config.table, open)).snapshot();
    end = performance.now();
    const paths = snapshot.files.map((f) => decodeURIComponent(f.path)).sort();
    Object.assign(extra, { version: snapshot.version, files: paths.length, pathsDigest: createHash('sha256').update(paths.join('\n')).digest('hex') });
    break;
  }
  case 'digest': {
    // What a finished append left: rows, sum(id) and version, as Aquifer reads the table.
    const table = await DeltaTable.open(config.table, open);
    const sql = await (await table.scan()).sql();
    const [row] = await engine.query(`SELECT count(*) AS n, CAST(coalesce(sum(id), 0) AS VARCHAR) AS s FROM (${sql})`);
    Object.assign(extra, { rows: Number(row?.['n']), sumId: String(row?.['s']), version: (await table.snapshot()).version });
    break;
  }
  default:
    throw new Error(`unknown part ${part}`);
}
const ms = (end ?? performance.now()) - start;
engine.close();
process.stdout.write(`${JSON.stringify({ ms, peakRss: peakRssBytes(), ...extra })}\n`);
