import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import type { DatasetRef } from './dataset.js';

/** What a job is: the same spec for every run of it. */
export interface JobSpec {
  /** Dotted, stable across runs: `ingest.events`, `table.merge.events`, `features.training_set.driver_training`. */
  name: string;
  /** What kind of work (OpenLineage's jobType facet): INGEST, WRITE, MERGE, QUERY, TRAINING_SET, TRAIN, ... */
  type: string;
  processing?: 'BATCH' | 'STREAMING';
  /** The root folder of the project the run belongs to, when the caller knows it. */
  project?: string;
  /** The SQL the job runs, when it runs one. */
  sql?: string;
  description?: string;
  /** Run parameters worth keeping (a model's training command, a merge condition). */
  parameters?: Readonly<Record<string, string>>;
}

export type RunState = 'START' | 'RUNNING' | 'COMPLETE' | 'FAIL' | 'ABORT';

/** One state change of one run, as published on JOB_RUN_CHANNEL. */
export interface JobRunEvent {
  state: RunState;
  runId: string;
  time: Date;
  job: JobSpec;
  /** The run this one ran inside (a table commit's run inside an ingest run, say). */
  parent?: { runId: string; job: JobSpec };
  /** When the run started (the same on every event of the run). */
  startedAt: Date;
  inputs: readonly DatasetRef[];
  outputs: readonly DatasetRef[];
  error?: { message: string; code?: string; stack?: string };
}

/** The diagnostics channel every job run is published on; lineage subscribes to it. */
export const JOB_RUN_CHANNEL = 'aquifer:job-run';
const channel = diagnostics.channel(JOB_RUN_CHANNEL);
const active = new AsyncLocalStorage<JobRun | null>();

/**
 * A job run in progress: the datasets it read and wrote so far. Capabilities add what they
 * know (source files, stream ranges, column lineage); the table layer adds every commit and
 * every read made while the run is active (see reportTableCommit), so a job that writes
 * through tables needs to say nothing about them.
 */
export class JobRun {
  readonly id = randomUUID();
  readonly startedAt = new Date();
  private readonly inputs = new Map<string, DatasetRef>();
  private readonly outputs = new Map<string, DatasetRef>();

  constructor(
    private spec: JobSpec,
    readonly parent: JobRun | undefined,
  ) {}

  get job(): JobSpec {
    return this.spec;
  }

  /** Add run parameters learnt while running (what a vacuum deleted, say); later events carry them. */
  addParameters(parameters: Readonly<Record<string, string>>): void {
    this.spec = { ...this.spec, parameters: { ...this.spec.parameters, ...parameters } };
  }

  /** Record a dataset read; one entry per dataset and version, later details merged in. */
  input(dataset: DatasetRef): void {
    const key = `${dataset.namespace}\n${dataset.name}\n${dataset.version ?? ''}`;
    const known = this.inputs.get(key);
    this.inputs.set(key, known === undefined ? dataset : { ...known, ...dataset });
  }

  /**
   * Record a dataset written; one entry per dataset. Written again (a second commit), its
   * versions accumulate, `version` becomes the last, and row, byte and file counts add up.
   */
  output(dataset: DatasetRef): void {
    const key = `${dataset.namespace}\n${dataset.name}`;
    const known = this.outputs.get(key);
    this.outputs.set(key, known === undefined ? dataset : mergeOutput(known, dataset));
  }

  /** Publish a state change now (START, RUNNING; COMPLETE, FAIL and ABORT come from withJobRun). */
  publish(state: RunState, error?: JobRunEvent['error']): void {
    if (!channel.hasSubscribers) return;
    const event: JobRunEvent = {
      state,
      runId: this.id,
      time: new Date(),
      job: this.job,
      startedAt: this.startedAt,
      inputs: [...this.inputs.values()],
      outputs: [...this.outputs.values()],
      ...(this.parent === undefined ? {} : { parent: { runId: this.parent.id, job: this.parent.job } }),
      ...(error === undefined ? {} : { error }),
    };
    channel.publish(event);
  }
}

function mergeOutput(known: DatasetRef, added: DatasetRef): DatasetRef {
  const versions = [...(known.versions ?? (known.version === undefined ? [] : [Number(known.version)]))];
  for (const v of added.versions ?? (added.version === undefined ? [] : [Number(added.version)])) if (!versions.includes(v)) versions.push(v);
  const merged: DatasetRef = { ...known, ...added };
  // The operation and mode are the last commit's.
  if (added.mode === undefined) delete merged.mode;
  if (versions.length > 0) {
    merged.versions = versions;
    merged.version = String(versions[versions.length - 1]);
  }
  if (known.statistics !== undefined && added.statistics !== undefined) {
    const sum = (a: number | undefined, b: number | undefined) => (a === undefined && b === undefined ? undefined : (a ?? 0) + (b ?? 0));
    const rowCount = sum(known.statistics.rowCount, added.statistics.rowCount);
    const size = sum(known.statistics.size, added.statistics.size);
    const fileCount = sum(known.statistics.fileCount, added.statistics.fileCount);
    merged.statistics = {
      ...(rowCount === undefined ? {} : { rowCount }),
      ...(size === undefined ? {} : { size }),
      ...(fileCount === undefined ? {} : { fileCount }),
    };
  }
  return merged;
}

/** The run the calling code is part of, if any. */
export function currentJobRun(): JobRun | undefined {
  return active.getStore() ?? undefined;
}

/** Whether the calling code runs inside withoutJobRuns. */
export function jobRunsSuppressed(): boolean {
  return active.getStore() === null;
}

/**
 * Run `work` with nothing reported: the lineage log's own writes, which would otherwise be
 * runs that log more runs.
 */
export function withoutJobRuns<T>(work: () => Promise<T>): Promise<T> {
  return active.run(null, work);
}

function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

/**
 * Run `work` as one run of `job`: START before it, then COMPLETE with every dataset it
 * read and wrote, FAIL with the error's message when it throws (ABORT when it was aborted).
 * Runs nest: one started inside another names it as its parent.
 */
export async function withJobRun<T>(job: JobSpec, work: (run: JobRun) => Promise<T>): Promise<T> {
  if (jobRunsSuppressed()) return work(new JobRun(job, undefined));
  const run = new JobRun(job, currentJobRun());
  run.publish('START');
  let result: T;
  try {
    result = await active.run(run, () => work(run));
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    run.publish(isAbort(error) ? 'ABORT' : 'FAIL', {
      message,
      ...(code === undefined ? {} : { code }),
      ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}),
    });
    throw error;
  }
  run.publish('COMPLETE');
  return result;
}

/** Subscribe to every job run event; returns the unsubscribe. */
export function onJobRun(listener: (event: JobRunEvent) => void): () => void {
  const handler = (message: unknown) => listener(message as JobRunEvent);
  diagnostics.subscribe(JOB_RUN_CHANNEL, handler);
  return () => {
    diagnostics.unsubscribe(JOB_RUN_CHANNEL, handler);
  };
}

/**
 * Publish an event of a run made elsewhere (a worker thread's commit, whose own channel no
 * one here listens to), so this thread's subscribers see it as if it ran here.
 */
export function publishJobRunEvent(event: JobRunEvent): void {
  if (channel.hasSubscribers) channel.publish(event);
}

/** Whether anyone listens: work that only feeds lineage (hashing a file, say) can be skipped when not. */
export function jobRunsObserved(): boolean {
  return channel.hasSubscribers && !jobRunsSuppressed();
}
