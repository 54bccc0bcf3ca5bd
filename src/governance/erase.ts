import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Engine } from '../engine/index.js';
import {
  checkLmdbRebuildable,
  LmdbOnlineStore,
  openOnlineStore,
  rebuildLmdb,
  RedisOnlineStore,
  TRAINING_SET_ERASURES_PROPERTY,
  type OnlineStore,
} from '../features/index.js';
import { LineageLog } from '../lineage/index.js';
import { withoutJobRuns } from '../observe/index.js';
import type { Project } from '../project/index.js';
import { DeltaTable } from '../table/index.js';
import { planErasure, type EraseRequest, type TablePlace } from './erase-places.js';
import { MIN_SCANNED_BYTES, removeEmptyFolders, scanLocalFolder, scanStore } from './erase-scan.js';
import { ErasureIncompleteError, type ErasureHit } from './errors.js';

export interface EraseOptions {
  /** List every place and change nothing. */
  dryRun?: boolean;
  /** The erasure's id, recorded in the commits and training sets (a new UUID by default): the server names it before the erasure runs. */
  id?: string;
}

/** A place erased: what the plan found (its predicate stays internal: it names the values), and what the purge did. */
export interface ErasedTable extends Omit<TablePlace, 'predicate'> {
  /** After the erasure: files rewritten, vacuumed, log files removed, and the version the log now starts at. */
  purged?: { filesRewritten: number; filesVacuumed: number; logFilesDeleted: number; checkpointVersion: number };
}

export interface ErasureProof {
  /** Files (and S3 objects) scanned: raw bytes, and Parquet decoded. */
  files: number;
  /** Where the scan looked: the project folder, table locations outside it, the S3 table root, `redis`. */
  roots: string[];
  /** Always empty in a returned report: hits make the erasure fail (GOVERNANCE_ERASE_INCOMPLETE). */
  hits: ErasureHit[];
}

export interface ErasureReport {
  /** Recorded in each table's DELETE and VACUUM commits and in training sets instead of the values. */
  id: string;
  dryRun: boolean;
  tables: ErasedTable[];
  online: { view: string; keys: number; stored: number; deleted?: number }[];
  /** How many values the proof scan looks for (entity values, and the tagged values of matched rows). */
  values: number;
  /** Of those, how many are shorter than MIN_SCANNED_BYTES, so looked for only as decoded Parquet values. */
  shortValues: number;
  proof?: ErasureProof;
}

/**
 * Erase what the request names from every copy the project holds: find the places
 * (planErasure), delete the online store keys, delete the rows in each table, record the
 * erasure on saved training sets, purge each table (rewrite the files still holding the
 * rows, zero-retention vacuum recorded in the log, log cut at a checkpoint), rebuild the
 * embedded online store, then prove it: scan every remaining file's bytes (and Parquet
 * values decoded, and Redis keys) for the values, and fail with GOVERNANCE_ERASE_INCOMPLETE
 * naming each place that still holds one. No lineage or run record is written, since the
 * SQL would carry the values; the commits record the erasure's id instead.
 */
export async function erase(project: Project, engine: Engine, request: EraseRequest, options: EraseOptions = {}): Promise<ErasureReport> {
  return withoutJobRuns(async () => {
    const id = options.id ?? randomUUID();
    const events = await LineageLog.forProject(project, engine).events();
    let online: OnlineStore | undefined = openOnlineStore(project);
    try {
      const plan = await planErasure(project, engine, request, events, online);
      const report: ErasureReport = {
        id,
        dryRun: options.dryRun === true,
        tables: plan.tables.map(({ kind, name, location, matchedOn, rows, files }) => ({ kind, name, location, matchedOn, rows, files })),
        online: plan.online.map((o) => ({ view: o.view, keys: o.keys.length, stored: o.stored })),
        values: plan.values.length,
        shortValues: plan.values.filter((v) => Buffer.byteLength(v) < MIN_SCANNED_BYTES).length,
      };
      if (options.dryRun === true) return report;
      // A store that cannot be rebuilt is found before any row is deleted, not after the tables were purged.
      const lmdb = project.config.backends.onlineStore?.type === 'redis' ? undefined : path.join(project.root, '.aquifer', 'online');
      if (lmdb !== undefined) await checkLmdbRebuildable(lmdb, online instanceof LmdbOnlineStore ? 1 : 0);

      for (const [i, place] of plan.online.entries()) (report.online[i] as { deleted?: number }).deleted = await online.delete(place.view, place.keys);
      const reason = `erasure ${id}`;
      for (const [i, place] of plan.tables.entries()) {
        const table = await DeltaTable.open(place.location, { engine, stores: project.stores });
        const deleted = await table.delete(place.predicate, { recordedPredicate: reason });
        if (place.kind === 'training-set' && deleted.rowsDeleted > 0) {
          const before = (await table.snapshot()).configuration[TRAINING_SET_ERASURES_PROPERTY];
          const record = [...(before === undefined ? [] : (JSON.parse(before) as unknown[])), { id, at: new Date().toISOString(), rows: deleted.rowsDeleted }];
          await table.setProperties({ [TRAINING_SET_ERASURES_PROPERTY]: JSON.stringify(record) });
        }
        const holding = await table.filesHolding(place.predicate);
        const traces = deleted.rowsDeleted > 0 || holding.length > 0 || (await scanStore(engine, table.store, plan.values)).hits.length > 0;
        if (!traces) continue;
        const purged = await table.purge({ files: holding, reason });
        if (!/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(place.location)) await removeEmptyFolders(place.location);
        (report.tables[i] as ErasedTable).purged = {
          filesRewritten: purged.filesRewritten,
          filesVacuumed: purged.filesVacuumed.length,
          logFilesDeleted: purged.logFilesDeleted.length,
          checkpointVersion: purged.checkpointVersion,
        };
      }
      await online.close();
      online = undefined;
      // LMDB keeps a deleted entry's bytes in its freed page: only a rebuilt file is clean.
      if (lmdb !== undefined) await rebuildLmdb(lmdb);

      // The S3 read cache keeps local copies of objects the vacuum deleted: copies, so drop those holding a value.
      const cache = readCacheDir(project);
      if (cache !== undefined)
        for (const hit of (await scanLocalFolder(engine, cache, plan.values)).hits) await rm(path.join(cache, hit.path), { recursive: true, force: true });

      report.proof = await prove(
        project,
        engine,
        plan.values,
        plan.tables.map((t) => t.location),
      );
      if (report.proof.hits.length > 0) throw new ErasureIncompleteError(report.proof.hits);
      return report;
    } finally {
      await online?.close();
    }
  });
}

/** Where an S3 project's read cache keeps its local copies (as src/storage/read-cache.ts places it), or undefined for local tables. */
function readCacheDir(project: Project): string | undefined {
  const storage = project.config.backends.tableStorage;
  if (storage === 'local') return undefined;
  if (storage.cache?.dir !== undefined) return path.resolve(project.root, storage.cache.dir);
  return path.join(process.env['AQUIFER_CACHE'] ?? path.join(os.homedir(), '.cache', 'aquifer'), 'objects');
}

/**
 * The proof: every file under the project folder, under table locations outside it and
 * under the S3 table root, raw bytes and decoded Parquet; and the Redis online store's keys
 * and values. Hits name the place and the values' positions, never the values.
 */
export async function prove(project: Project, engine: Engine, values: readonly string[], locations: readonly string[] = []): Promise<ErasureProof> {
  const roots: string[] = [project.root];
  let files = 0;
  const hits: ErasureHit[] = [];
  const local = await scanLocalFolder(engine, project.root, values);
  files += local.files;
  hits.push(...local.hits);
  const root = path.resolve(project.root) + path.sep;
  for (const location of locations) {
    if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(location) || path.resolve(location).startsWith(root)) continue;
    roots.push(location);
    const outside = await scanLocalFolder(engine, location, values);
    files += outside.files;
    hits.push(...outside.hits);
  }
  const storage = project.config.backends.tableStorage;
  const cache = readCacheDir(project);
  if (cache !== undefined && !path.resolve(cache).startsWith(root)) {
    roots.push(cache);
    const cached = await scanLocalFolder(engine, cache, values);
    files += cached.files;
    hits.push(...cached.hits);
  }
  if (storage !== 'local') {
    roots.push(storage.root);
    const remote = await scanStore(engine, project.stores.open(storage.root), values);
    files += remote.files;
    hits.push(...remote.hits);
  }
  if (project.config.backends.onlineStore?.type === 'redis') {
    roots.push('redis');
    const store = openOnlineStore(project);
    try {
      if (store instanceof RedisOnlineStore) {
        // Short values are left out as in the file scan; positions refer to the full list.
        const searched = values.map((v, i) => ({ v, i })).filter(({ v }) => Buffer.byteLength(v) >= MIN_SCANNED_BYTES);
        for (const held of await store.keysHolding(searched.map(({ v }) => v)))
          hits.push({ root: 'redis', path: held.key, found: 'redis', values: held.values.map((n) => searched[n]?.i ?? n) });
      }
    } finally {
      await store.close();
    }
  }
  return { files, roots, hits };
}
