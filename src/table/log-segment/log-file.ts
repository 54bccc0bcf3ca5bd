import type { ObjectMeta } from '../../storage/index.js';

export const LOG_DIR = '_delta_log';

/** A file in `_delta_log`, classified by its name. */
export type LogFile =
  | { type: 'commit'; version: number; meta: ObjectMeta }
  | { type: 'checkpoint'; version: number; format: 'classic'; meta: ObjectMeta }
  | { type: 'checkpoint'; version: number; format: 'multipart'; part: number; parts: number; meta: ObjectMeta }
  | { type: 'checkpoint'; version: number; format: 'v2'; uuid: string; fileFormat: 'json' | 'parquet'; meta: ObjectMeta }
  | { type: 'compaction'; version: number; endVersion: number; meta: ObjectMeta };

export type CheckpointFile = Extract<LogFile, { type: 'checkpoint' }>;
export type CommitFile = Extract<LogFile, { type: 'commit' }>;
export type CompactionFile = Extract<LogFile, { type: 'compaction' }>;

const COMMIT = /^(\d{20})\.json$/;
const CLASSIC_CHECKPOINT = /^(\d{20})\.checkpoint\.parquet$/;
const MULTIPART_CHECKPOINT = /^(\d{20})\.checkpoint\.(\d{10})\.(\d{10})\.parquet$/;
const V2_CHECKPOINT = /^(\d{20})\.checkpoint\.([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\.(json|parquet)$/;
const COMPACTION = /^(\d{20})\.(\d{20})\.compacted\.json$/;

/** Classify one listed object; files that are not part of the log protocol give undefined. */
export function classifyLogFile(meta: ObjectMeta): LogFile | undefined {
  const name = meta.path.slice(meta.path.lastIndexOf('/') + 1);
  let match = COMMIT.exec(name);
  if (match !== null) return { type: 'commit', version: Number(match[1]), meta };
  match = CLASSIC_CHECKPOINT.exec(name);
  if (match !== null) return { type: 'checkpoint', version: Number(match[1]), format: 'classic', meta };
  match = MULTIPART_CHECKPOINT.exec(name);
  if (match !== null) {
    return { type: 'checkpoint', version: Number(match[1]), format: 'multipart', part: Number(match[2]), parts: Number(match[3]), meta };
  }
  match = V2_CHECKPOINT.exec(name);
  if (match !== null) {
    return { type: 'checkpoint', version: Number(match[1]), format: 'v2', uuid: match[2] as string, fileFormat: match[3] as 'json' | 'parquet', meta };
  }
  match = COMPACTION.exec(name);
  if (match !== null) return { type: 'compaction', version: Number(match[1]), endVersion: Number(match[2]), meta };
  return undefined;
}

export function padVersion(version: number): string {
  return String(version).padStart(20, '0');
}

export function commitPath(version: number): string {
  return `${LOG_DIR}/${padVersion(version)}.json`;
}
