import type { OpenLineageRunEvent } from './openlineage.js';

/** What the lineage log's worker is started with: the project's folder (it opens the project itself). */
export interface LineageLogWorkerData {
  projectRoot: string;
}

/** From the recording thread to the log's worker. */
export type ToLineageLogWorker =
  /** Append these events in one commit of the log. */
  | { kind: 'append'; id: number; events: OpenLineageRunEvent[] }
  /** Close the engine and end the thread (its native handles closed first: terminating a thread that holds them aborts the process). */
  | { kind: 'close' };

/** From the log's worker to the recording thread. */
export type FromLineageLogWorker =
  | { kind: 'appended'; id: number }
  /** The error as plain data: an Error does not cross threads whole. */
  | { kind: 'append-failed'; id: number; error: { message: string; code?: string } };
