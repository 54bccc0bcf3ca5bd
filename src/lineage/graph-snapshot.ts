import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { log } from '../log.js';
import type { Project } from '../project/index.js';
import { LineageGraph, NUMBER_LISTS, type GraphState } from './graph/index.js';

/**
 * The encoding of a snapshot file. Bump it whenever the bytes change, or what a graph holds
 * for the same runs does (a new kind of node or edge, another id): a snapshot of another
 * format is ignored and the graph built again from the log.
 */
export const GRAPH_SNAPSHOT_FORMAT = 1;

const MAGIC = Buffer.from('AQLGRAPH');
/** Magic, format, the header's length and its CRC-32 (the header's own checksum covers the body). */
const PREAMBLE = MAGIC.length + 12;
/** The bytes between the header and the body. */
const PAD = 0x20;
/** A temporary file older than this was left by a writer that died. */
const STALE_TEMP_MS = 10 * 60_000;
/** The number lists are read in place as 32-bit integers, little-endian (so a big-endian machine builds the graph instead). */
const NUMBERS_READABLE = os.endianness() === 'LE';

/** The log version a snapshot's graph holds every completed run of, and the digest of that version's commit. */
export interface SnapshotTag {
  version: number;
  digest: string;
}

/**
 * After the preamble: this header as JSON, padding to a multiple of 4 bytes, then the body:
 * the state's number lists as little-endian 32-bit integers (their lengths here, in
 * NUMBER_LISTS order), the rest of the state as JSON, and the runs as JSON.
 */
interface Header extends SnapshotTag {
  lists: number[];
  stateBytes: number;
  runsBytes: number;
  bodyCrc: number;
}

/** A snapshot that cannot be used: it is ignored, never an error to the caller. */
class SnapshotUnusable extends Error {}

/** The bytes of a snapshot: the graph as `LineageGraph.save` gives it, tagged with the log version it holds. */
export function encodeSnapshot(graph: LineageGraph, tag: SnapshotTag): Buffer {
  const { state, runs } = graph.save();
  const lists = NUMBER_LISTS.map((name) => state[name]);
  const numbers = new Int32Array(lists.reduce((sum, list) => sum + list.length, 0));
  let at = 0;
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      const n = list[i] as number;
      if (!Number.isInteger(n) || n < -(2 ** 31) || n >= 2 ** 31) throw new Error(`${n} is not a 32-bit integer`);
      numbers[at++] = n;
    }
  }
  const rest: Record<string, unknown> = { ...state };
  for (const name of NUMBER_LISTS) delete rest[name];
  const numberBytes = Buffer.from(numbers.buffer, numbers.byteOffset, numbers.byteLength);
  if (!NUMBERS_READABLE) numberBytes.swap32();
  const stateBytes = Buffer.from(JSON.stringify(rest));
  const body = [numberBytes, stateBytes, Buffer.from(runs.buffer, runs.byteOffset, runs.byteLength)];
  const bodyCrc = body.reduce((crc, part) => crc32(part, crc), 0);
  const header: Header = { ...tag, lists: lists.map((list) => list.length), stateBytes: stateBytes.length, runsBytes: runs.length, bodyCrc };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const padding = (4 - ((PREAMBLE + headerBytes.length) % 4)) % 4;
  const preamble = Buffer.alloc(PREAMBLE);
  MAGIC.copy(preamble);
  preamble.writeUInt32LE(GRAPH_SNAPSHOT_FORMAT, MAGIC.length);
  preamble.writeUInt32LE(headerBytes.length, MAGIC.length + 4);
  preamble.writeUInt32LE(crc32(headerBytes), MAGIC.length + 8);
  return Buffer.concat([preamble, headerBytes, Buffer.alloc(padding, PAD), ...body]);
}

/** The graph and tag of a snapshot's bytes; throws when they are not a whole snapshot of this format. */
export function decodeSnapshot(bytes: Buffer): { graph: LineageGraph } & SnapshotTag {
  if (bytes.length < PREAMBLE || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new SnapshotUnusable('not a lineage graph snapshot');
  const format = bytes.readUInt32LE(MAGIC.length);
  if (format !== GRAPH_SNAPSHOT_FORMAT) throw new SnapshotUnusable(`format ${format}, not ${GRAPH_SNAPSHOT_FORMAT}`);
  if (!NUMBERS_READABLE) throw new SnapshotUnusable('this machine is big-endian');
  const headerEnd = PREAMBLE + bytes.readUInt32LE(MAGIC.length + 4);
  if (headerEnd > bytes.length) throw new SnapshotUnusable('cut short in its header');
  if (crc32(bytes.subarray(PREAMBLE, headerEnd)) !== bytes.readUInt32LE(MAGIC.length + 8)) throw new SnapshotUnusable("its header's checksum does not match");
  const header = JSON.parse(bytes.toString('utf8', PREAMBLE, headerEnd)) as Header;
  if (!Number.isInteger(header.version) || typeof header.digest !== 'string') throw new SnapshotUnusable('its header has no log version');
  if (!Array.isArray(header.lists) || header.lists.length !== NUMBER_LISTS.length) throw new SnapshotUnusable('its header lists no numbers');
  const numbersStart = headerEnd + ((4 - (headerEnd % 4)) % 4);
  if (bytes.subarray(headerEnd, numbersStart).some((b) => b !== PAD)) throw new SnapshotUnusable('its padding is not blank');
  const stateStart = numbersStart + 4 * header.lists.reduce((sum, n) => sum + n, 0);
  const runsStart = stateStart + header.stateBytes;
  if (runsStart + header.runsBytes !== bytes.length) throw new SnapshotUnusable(`${bytes.length} bytes where its header says ${runsStart + header.runsBytes}`);
  if (crc32(bytes.subarray(numbersStart)) !== header.bodyCrc) throw new SnapshotUnusable('its checksum does not match');
  // The lists are read in place, where the file's bytes allow it (a typed array starts at a multiple of its element size).
  const aligned = (bytes.byteOffset + numbersStart) % 4 === 0 ? bytes : Buffer.from(new Uint8Array(bytes).buffer);
  const state = JSON.parse(bytes.toString('utf8', stateStart, runsStart)) as Record<string, unknown>;
  let at = aligned.byteOffset + numbersStart;
  header.lists.forEach((length, i) => {
    state[NUMBER_LISTS[i] as string] = new Int32Array(aligned.buffer, at, length);
    at += 4 * length;
  });
  return { graph: LineageGraph.restore(state as unknown as GraphState, bytes.subarray(runsStart)), version: header.version, digest: header.digest };
}

/**
 * A lineage graph kept on disk between processes (a cache of what the lineage log holds):
 * one file in the project's local state folder, `.aquifer/lineage-graph/`, beside the log and
 * outside its Delta table. A missing, unreadable, corrupt, cut short or other-format file
 * reads as none; whether it is older or newer than the log, or of another log, is for the
 * reader to check with the tag. Writers replace it whole (a temporary file renamed over it),
 * so a reader sees one writer's snapshot or another's, never a mix.
 */
export class GraphSnapshotFile {
  constructor(readonly file: string) {}

  static forProject(project: Project): GraphSnapshotFile {
    return new GraphSnapshotFile(path.join(project.root, '.aquifer', 'lineage-graph', 'graph.snapshot'));
  }

  /** The graph and the log version it holds, or undefined when there is no usable snapshot. */
  async read(): Promise<({ graph: LineageGraph } & SnapshotTag) | undefined> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        log.info({ err: error, file: this.file }, 'lineage graph snapshot unreadable; building the graph from the log');
      return undefined;
    }
    try {
      return decodeSnapshot(bytes);
    } catch (error) {
      log.info({ err: error, file: this.file }, 'lineage graph snapshot ignored; building the graph from the log');
      return undefined;
    }
  }

  /**
   * Replace the snapshot with this graph, tagged with the log version it holds. The graph is
   * encoded before anything is awaited, so it may change as soon as this returns its promise.
   * Failing to write (a read-only project, a full disk) is logged, never raised: it is a cache.
   */
  async write(graph: LineageGraph, tag: SnapshotTag): Promise<void> {
    const dir = path.dirname(this.file);
    const temporary = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const bytes = encodeSnapshot(graph, tag);
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(temporary, bytes, { flag: 'wx' });
      await fs.rename(temporary, this.file);
    } catch (error) {
      log.info({ err: error, file: this.file }, 'lineage graph snapshot not written');
      await fs.rm(temporary, { force: true }).catch(() => undefined);
      return;
    }
    await removeStaleTemporaries(dir, path.basename(this.file));
  }
}

async function removeStaleTemporaries(dir: string, base: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(`${base}.`) || !name.endsWith('.tmp')) continue;
    const file = path.join(dir, name);
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat !== undefined && Date.now() - stat.mtimeMs > STALE_TEMP_MS) await fs.rm(file, { force: true }).catch(() => undefined);
  }
}
