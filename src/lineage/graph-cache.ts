import type { Engine } from '../engine/index.js';
import type { Project } from '../project/index.js';
import { LineageGraph } from './graph/index.js';
import { GraphSnapshotFile } from './graph-snapshot.js';
import { LineageLog } from './lineage-log.js';

/**
 * A snapshot is written when the graph was built from the whole log, or extended by this many
 * log commits since the snapshot it came from: reading that many commits' files again costs a
 * later process more than writing the snapshot costs now.
 */
export const SNAPSHOT_AFTER_COMMITS = 10;

export interface LineageGraphCacheOptions {
  /** Where the graph is kept between processes: read when the cache has no graph yet, written in the background when due. */
  snapshot?: GraphSnapshotFile;
}

interface Built {
  graph: LineageGraph;
  version: number;
  digest?: string;
}

/**
 * A project's lineage graph kept between questions: each `graph()` reads only what the log
 * appended since the graph was last brought up to date and extends it, so a question costs
 * one listing of the log's tail, not a read of the whole log and a new graph. When the log
 * changed in any other way (rows deleted, commits gone, the log made anew) the graph is built
 * again. With a snapshot file, a new cache (a new process) starts from the graph a previous
 * one saved, extended by the commits after it, and saves the graph for the next.
 */
export class LineageGraphCache {
  private built: Built | undefined;
  private updating: Promise<LineageGraph> | undefined;
  /** The log version of the snapshot on disk, as far as this cache knows (undefined: none it can build on). */
  private savedVersion: number | undefined;
  private saving: Promise<void> | undefined;
  private readonly snapshot: GraphSnapshotFile | undefined;

  constructor(
    private readonly log: LineageLog,
    options: LineageGraphCacheOptions = {},
  ) {
    this.snapshot = options.snapshot;
  }

  /** The project's cache: its lineage log and its snapshot file. */
  static forProject(project: Project, engine: Engine): LineageGraphCache {
    return new LineageGraphCache(LineageLog.forProject(project, engine), { snapshot: GraphSnapshotFile.forProject(project) });
  }

  /** The graph of every run logged before the call. */
  graph(): Promise<LineageGraph> {
    // Callers that arrive while an update runs wait for the next one, which sees what they may have logged.
    const next = (this.updating ?? Promise.resolve(undefined)).catch(() => undefined).then(() => this.update());
    this.updating = next;
    return next.finally(() => {
      if (this.updating === next) this.updating = undefined;
    });
  }

  /** Wait for a snapshot being written (a command waits before it exits). */
  async close(): Promise<void> {
    await this.saving;
  }

  private async update(): Promise<LineageGraph> {
    const built = this.built ?? (await this.restored());
    if (built !== undefined) {
      const tail = await this.log.runsAfter(built.version, built.digest);
      if (tail !== undefined) {
        built.graph.extend(tail.runs);
        built.version = tail.version;
        if (tail.digest === undefined) delete built.digest;
        else built.digest = tail.digest;
        this.built = built;
        this.saveWhenDue();
        return built.graph;
      }
    }
    const { runs, version, digest } = await this.log.runs();
    this.built = { graph: LineageGraph.fromRuns(runs), version, ...(digest === undefined ? {} : { digest }) };
    this.savedVersion = undefined;
    this.saveWhenDue();
    return this.built.graph;
  }

  /** The snapshot's graph, to be extended from its version (the log decides whether it can be). */
  private async restored(): Promise<Built | undefined> {
    if (this.snapshot === undefined) return undefined;
    // The log is opened while the snapshot is read and decoded: the tail that follows only refreshes it.
    const [saved] = await Promise.all([this.snapshot.read(), this.log.version()]);
    if (saved === undefined) return undefined;
    this.savedVersion = saved.version;
    return { graph: saved.graph, version: saved.version, digest: saved.digest };
  }

  private saveWhenDue(): void {
    const built = this.built;
    if (this.snapshot === undefined || built?.digest === undefined || this.saving !== undefined) return;
    const saved = this.savedVersion;
    if (saved !== undefined && built.version >= saved && built.version - saved < SNAPSHOT_AFTER_COMMITS) return;
    // After the caller's answer: the question that built the graph does not wait for its snapshot.
    this.saving = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.save())
      .finally(() => {
        this.saving = undefined;
      });
  }

  private async save(): Promise<void> {
    const built = this.built;
    if (this.snapshot === undefined || built?.digest === undefined) return;
    // The tag is taken with the graph, before anything is awaited: an update in between changes both.
    const version = built.version;
    await this.snapshot.write(built.graph, { version, digest: built.digest });
    this.savedVersion = version;
  }
}
