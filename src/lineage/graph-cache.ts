import { LineageGraph } from './graph/index.js';
import type { LineageLog } from './lineage-log.js';

/**
 * A project's lineage graph kept between questions (the server's): each `graph()` reads only
 * what the log appended since the graph was last brought up to date and extends it, so a
 * question costs one listing of the log's tail, not a read of the whole log and a new graph.
 * When the log changed in any other way (rows deleted, commits gone) the graph is built again.
 */
export class LineageGraphCache {
  private built: { graph: LineageGraph; version: number } | undefined;
  private updating: Promise<LineageGraph> | undefined;

  constructor(private readonly log: LineageLog) {}

  /** The graph of every run logged before the call. */
  graph(): Promise<LineageGraph> {
    // Callers that arrive while an update runs wait for the next one, which sees what they may have logged.
    const next = (this.updating ?? Promise.resolve(undefined)).catch(() => undefined).then(() => this.update());
    this.updating = next;
    return next.finally(() => {
      if (this.updating === next) this.updating = undefined;
    });
  }

  private async update(): Promise<LineageGraph> {
    const built = this.built;
    if (built !== undefined) {
      const tail = await this.log.runsAfter(built.version);
      if (tail !== undefined) {
        built.graph.extend(tail.runs);
        built.version = tail.version;
        return built.graph;
      }
    }
    const { runs, version } = await this.log.runs();
    this.built = { graph: LineageGraph.fromRuns(runs), version };
    return this.built.graph;
  }
}
