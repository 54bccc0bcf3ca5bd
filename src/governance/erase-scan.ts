import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import type { ObjectStore } from '../storage/index.js';
import type { ErasureHit } from './errors.js';

/**
 * Values shorter than this are not searched for as bytes: two or three bytes occur by
 * chance in any compressed file, so a hit would prove nothing. They are still looked for
 * as whole cells of decoded Parquet.
 */
export const MIN_SCANNED_BYTES = 4;

const CHUNK = 8 * 1024 * 1024;

/** The byte patterns one erased value may be stored as: plain UTF-8, and escaped as inside a JSON string. */
function patterns(value: string): Buffer[] {
  const plain = Buffer.from(value, 'utf8');
  const escaped = Buffer.from(JSON.stringify(value).slice(1, -1), 'utf8');
  return plain.equals(escaped) ? [plain] : [plain, escaped];
}

/** Which of the values (by position) a stream of bytes holds, searched chunk by chunk with an overlap. */
async function searchBytes(chunks: AsyncIterable<Buffer>, values: readonly string[]): Promise<number[]> {
  const searched = values.map((v, i) => ({ i, patterns: patterns(v) })).filter((v) => Buffer.byteLength(values[v.i] as string) >= MIN_SCANNED_BYTES);
  if (searched.length === 0) return [];
  const longest = Math.max(...searched.flatMap((v) => v.patterns.map((p) => p.length)));
  const found = new Set<number>();
  let tail = Buffer.alloc(0);
  for await (const chunk of chunks) {
    const window = Buffer.concat([tail, chunk]);
    for (const v of searched) if (!found.has(v.i) && v.patterns.some((p) => window.includes(p))) found.add(v.i);
    tail = window.subarray(Math.max(0, window.length - longest + 1));
  }
  return [...found].sort((a, b) => a - b);
}

async function* fileChunks(file: string): AsyncIterable<Buffer> {
  for await (const chunk of createReadStream(file, { highWaterMark: CHUNK })) yield chunk as Buffer;
}

async function* single(bytes: Uint8Array): AsyncIterable<Buffer> {
  yield Buffer.from(bytes);
}

/**
 * Which values a Parquet file holds once its pages are decoded (compressed or dictionary
 * encoded pages hide them from a byte search): each column cast to text, nested ones as JSON
 * text, searched for each value as it is and JSON-escaped. A
 * whole row cast to text would escape quotes and backslashes (`O\'Brien`) and miss them.
 * A file DuckDB cannot read cannot be shown clean: undefined, which the caller reports.
 */
async function searchParquet(engine: Engine, file: string, values: readonly string[]): Promise<number[] | undefined> {
  if (values.length === 0) return [];
  const source = `read_parquet(${quoteLiteral(file)})`;
  try {
    const described = await engine.query(`DESCRIBE SELECT * FROM ${source}`);
    if (described.length === 0) return [];
    // Each row's columns as text once, joined by NUL (which no searched value holds): plain
    // columns cast, nested ones as JSON text (a nested value cast to text would escape quotes).
    const texts = described.map((r) => {
      const column = quoteIdent(String(r['column_name']));
      return /STRUCT|MAP|UNION|\[\]|\[\d+\]/i.test(String(r['column_type'])) ? `CAST(to_json(${column}) AS VARCHAR)` : `CAST(${column} AS VARCHAR)`;
    });
    const checks = values
      .map((v, i) => {
        const escaped = JSON.stringify(v).slice(1, -1);
        const found = [`contains(aquifer_text, ${quoteLiteral(v)})`, ...(escaped === v ? [] : [`contains(aquifer_text, ${quoteLiteral(escaped)})`])];
        return `bool_or(${found.join(' OR ')}) AS v${i}`;
      })
      .join(', ');
    const [row] = await engine.query(`SELECT ${checks} FROM (SELECT concat_ws(chr(0), ${texts.join(', ')}) AS aquifer_text FROM ${source}) AS t`);
    return values.map((_, i) => i).filter((i) => row?.[`v${i}`] === true);
  } catch {
    return undefined;
  }
}

/** A Parquet file that cannot be decoded counts as holding every value: nothing shows it clean. */
function parquetHit(root: string, rel: string, values: readonly string[], decoded: number[] | undefined): ErasureHit[] {
  if (decoded === undefined) return [{ root, path: rel, found: 'unreadable', values: values.map((_, i) => i) }];
  return decoded.length > 0 ? [{ root, path: rel, found: 'parquet', values: decoded }] : [];
}

const isParquet = (name: string) => name.endsWith('.parquet');

/** Every file and folder under a local folder, depth first. */
async function localEntries(root: string): Promise<{ files: string[]; folders: string[] }> {
  const files: string[] = [];
  const folders: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        folders.push(full);
        await walk(full);
      } else if (entry.isFile()) files.push(full);
    }
  };
  await walk(root);
  return { files, folders };
}

/** Which values a name holds (a partition folder `user_id=u123`, percent-encoded or not). */
function searchName(name: string, values: readonly string[]): number[] {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // Not percent-encoded after all.
  }
  return values.flatMap((v, i) => (Buffer.byteLength(v) >= MIN_SCANNED_BYTES && (name.includes(v) || decoded.includes(v)) ? [i] : []));
}

/**
 * Remove the empty folders under a local folder, deepest first: a vacuumed partition's
 * folder stays behind on a file system, and its name can be an erased value.
 */
export async function removeEmptyFolders(root: string): Promise<void> {
  const { folders } = await localEntries(root);
  for (const folder of folders.reverse()) await rmdir(folder).catch(() => undefined);
}

/** Scan every file under a local folder, raw bytes and decoded Parquet. */
export async function scanLocalFolder(engine: Engine, root: string, values: readonly string[]): Promise<{ files: number; hits: ErasureHit[] }> {
  const { files, folders } = await localEntries(root);
  const hits: ErasureHit[] = [];
  for (const entry of [...folders, ...files]) {
    const named = searchName(path.relative(root, entry), values);
    if (named.length > 0) hits.push({ root, path: path.relative(root, entry), found: 'path', values: named });
  }
  for (const file of files) {
    const bytes = await searchBytes(fileChunks(file), values);
    const decoded = isParquet(file) ? await searchParquet(engine, file, values) : [];
    const rel = path.relative(root, file);
    if (bytes.length > 0) hits.push({ root, path: rel, found: 'bytes', values: bytes });
    hits.push(...parquetHit(root, rel, values, decoded));
  }
  return { files: files.length, hits };
}

/** Scan every object under a store (the S3 table root): each read whole, Parquet decoded from a local copy. */
export async function scanStore(engine: Engine, store: ObjectStore, values: readonly string[]): Promise<{ files: number; hits: ErasureHit[] }> {
  const objects = await store.list('', { recursive: true });
  const hits: ErasureHit[] = [];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'aquifer-erase-scan-'));
  try {
    for (const object of objects) {
      const named = searchName(object.path, values);
      if (named.length > 0) hits.push({ root: store.url, path: object.path, found: 'path', values: named });
      const data = await store.get(object.path);
      const bytes = await searchBytes(single(data), values);
      let decoded: number[] | undefined = [];
      if (isParquet(object.path)) {
        const local = path.join(scratch, 'object.parquet');
        await writeFile(local, data);
        decoded = await searchParquet(engine, local, values);
      }
      if (bytes.length > 0) hits.push({ root: store.url, path: object.path, found: 'bytes', values: bytes });
      hits.push(...parquetHit(store.url, object.path, values, decoded));
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { files: objects.length, hits };
}
