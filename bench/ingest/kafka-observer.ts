/**
 * The reader of the latency benchmark, run as its own process
 * (`node --import tsx kafka-observer.ts CONFIG`) so the job never delays it.
 *
 * A version of a Delta table becomes visible when its commit file `_delta_log/<v>.json`
 * exists: Aquifer writes the file aside, fsyncs it and link(2)s it into place, so a
 * reader finds it whole or not at all, and any reader listing the log from then on sees
 * the version. This process polls for the next version's commit file every `pollMs`;
 * the first poll that reads it sets that version's visible time (Date.now() after the
 * read: it overstates by at most the poll interval, never understates). The commit's add
 * actions (their numRecords statistics) tell when every expected row has been seen. Then
 * the rows of each version's added files are read (the files are immutable, so reading
 * them late changes nothing) for their `produced_ms`.
 *
 * Prints `{"ready":true}` once polling, then one JSON object (ObserverResult).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Engine, quoteLiteral, quoteLiteralList } from '../../src/engine/index.js';

export interface ObserverConfig {
  table: string;
  /** The first version to watch for. */
  fromVersion: number;
  /** Rows of `run` to wait for. */
  expected: number;
  run: string;
  pollMs: number;
  timeoutMs: number;
}

export interface ObservedVersion {
  version: number;
  visibleMs: number;
  /** produced_ms of each row of `run` the version added. */
  produced: number[];
}

export interface ObserverResult {
  versions: ObservedVersion[];
  /** Most commit files one poll found (1: each version was found by a poll of its own). */
  maxVersionsPerPoll: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const commitFile = (table: string, version: number) => path.join(table, '_delta_log', `${String(version).padStart(20, '0')}.json`);

interface Seen {
  version: number;
  visibleMs: number;
  files: string[];
}

async function main(config: ObserverConfig): Promise<ObserverResult> {
  const seen: Seen[] = [];
  let rows = 0;
  let version = config.fromVersion;
  let maxVersionsPerPoll = 0;
  const deadline = Date.now() + config.timeoutMs;
  process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
  while (rows < config.expected) {
    if (Date.now() > deadline) throw new Error(`timed out: saw ${rows} of ${config.expected} rows by version ${version - 1}`);
    let found = 0;
    for (;;) {
      let text: string;
      try {
        text = await readFile(commitFile(config.table, version), 'utf8');
      } catch (error) {
        if ((error as { code?: string }).code === 'ENOENT') break;
        throw error;
      }
      const visibleMs = Date.now();
      const files: string[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const action = JSON.parse(line) as { add?: { path: string; stats?: string } };
        if (action.add === undefined) continue;
        files.push(path.join(config.table, decodeURIComponent(action.add.path)));
        rows += Number((JSON.parse(action.add.stats ?? '{}') as { numRecords?: number }).numRecords ?? 0);
      }
      seen.push({ version, visibleMs, files });
      version++;
      found++;
    }
    maxVersionsPerPoll = Math.max(maxVersionsPerPoll, found);
    if (found === 0) await sleep(config.pollMs);
  }

  const engine = await Engine.create({ threads: 1 });
  try {
    const versions: ObservedVersion[] = [];
    for (const s of seen) {
      const produced =
        s.files.length === 0
          ? []
          : (await engine.query(`SELECT produced_ms FROM read_parquet(${quoteLiteralList(s.files)}) WHERE run = ${quoteLiteral(config.run)}`)).map((r) =>
              Number(r['produced_ms']),
            );
      versions.push({ version: s.version, visibleMs: s.visibleMs, produced });
    }
    return { versions, maxVersionsPerPoll };
  } finally {
    engine.close();
  }
}

const config = JSON.parse(process.argv[2] ?? '{}') as ObserverConfig;
main(config).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
