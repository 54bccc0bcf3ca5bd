import { AsyncLocalStorage } from 'node:async_hooks';
import { onJobRun, type DatasetRef, type JobRunEvent } from '../observe/index.js';
import type { AuditWrite } from './audit-entry.js';

/**
 * What one request or command wrote, learnt from the job runs it made: the table layer
 * publishes every commit as a run's output (with its version and rows), synchronously, in the
 * async context of the code that committed, so a run's events reach the scope it ran in.
 */
export class AuditScope {
  /** Per table location: the versions committed, and the rows of each run that wrote it. */
  private readonly written = new Map<string, { versions: Set<number>; rows: number | undefined }>();
  /** A typed error's code the request ended with (the app's error handler notes it). */
  errorCode: string | undefined;

  /** Set when the handler said what the request wrote (`declare`): observed commits are then ignored. */
  private declared = false;

  /**
   * What the request wrote, as its handler knows it, in place of the commits observed: a
   * group commit holds several requests' records, and runs in the context of the one that
   * started it, so only the handler can say which version and rows were this request's.
   */
  declare(writes: readonly { location: string; version: number; rows?: number }[]): void {
    this.declared = true;
    this.written.clear();
    for (const w of writes) this.written.set(w.location, { versions: new Set([w.version]), rows: w.rows });
  }

  /** A COMPLETE run's table outputs. A parent run that repeats only versions its children reported adds nothing. */
  observe(event: JobRunEvent): void {
    if (this.declared) return;
    for (const output of event.outputs) {
      if (output.kind !== 'table') continue;
      const versions = versionsOf(output);
      if (versions.length === 0) continue;
      const key = locationOf(output);
      const known = this.written.get(key);
      if (known !== undefined && versions.every((v) => known.versions.has(v))) continue;
      const rows = ROWS_UNKNOWN.has(output.operation ?? '') ? undefined : output.statistics?.rowCount;
      if (known === undefined) this.written.set(key, { versions: new Set(versions), rows });
      else {
        for (const v of versions) known.versions.add(v);
        if (rows !== undefined) known.rows = (known.rows ?? 0) + rows;
      }
    }
  }

  /** The tables written, named by `name` (a project table's name, else its location), in the order first written. */
  writes(name: (location: string) => string): AuditWrite[] {
    return [...this.written].map(([location, { versions, rows }]) => ({
      table: name(location),
      version: Math.max(...versions),
      ...(rows === undefined ? {} : { rows }),
    }));
  }
}

/**
 * Operations whose commit reports the rows of the files it rewrote, not the rows it changed
 * (a copy-on-write delete counts the rows it kept): their entries give the version only.
 */
const ROWS_UNKNOWN: ReadonlySet<string> = new Set(['DELETE', 'UPDATE', 'MERGE', 'OPTIMIZE', 'RESTORE']);

const scopes = new AsyncLocalStorage<AuditScope>();
let listening: (() => void) | undefined;
let users = 0;

/**
 * Listen for the runs of audit scopes until the returned stop is called (a server, for its
 * life): the listener is subscribed only while someone collects, so nothing is built otherwise.
 */
export function collectAuditWrites(): () => void {
  if (users++ === 0) listening = onJobRun(observe);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--users === 0) {
      listening?.();
      listening = undefined;
    }
  };
}

/** Run `work` (and everything it starts) in `scope`; its writes reach the scope while someone collects. */
export function runInAuditScope<T>(scope: AuditScope, work: () => T): T {
  return scopes.run(scope, work);
}

/** Run `work` with its writes collected in `scope`. */
export async function withAuditScope<T>(scope: AuditScope, work: () => Promise<T>): Promise<T> {
  const stop = collectAuditWrites();
  try {
    return await scopes.run(scope, work);
  } finally {
    stop();
  }
}

/**
 * Collect every run's writes in the process into `scope`, whatever context it ran in: a CLI
 * command is the process's one piece of work. Returns the stop.
 */
export function collectEveryWrite(scope: AuditScope): () => void {
  return onJobRun((event) => {
    if (event.state === 'COMPLETE') scope.observe(event);
  });
}

/** The scope the calling code runs in, if any. */
export function currentAuditScope(): AuditScope | undefined {
  return scopes.getStore();
}

function observe(event: JobRunEvent): void {
  if (event.state !== 'COMPLETE') return;
  scopes.getStore()?.observe(event);
}

function versionsOf(output: DatasetRef): number[] {
  if (output.versions !== undefined) return [...output.versions];
  return output.version === undefined ? [] : [Number(output.version)];
}

/** A dataset's location back from its OpenLineage identity: the path for local files, the URI otherwise. */
function locationOf(output: DatasetRef): string {
  if (output.namespace === 'file') return output.name;
  return `${output.namespace}/${output.name}`;
}
