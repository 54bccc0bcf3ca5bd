import type { JobRunEvent } from '../../observe/index.js';
import type { PredictedRows, PredictionEntry } from './prediction-writer.js';

/** What the prediction log's worker is started with. */
export interface PredictionLogWorkerData {
  /** The project's folder: the worker opens the project (config, stores) itself. */
  projectRoot: string;
  lingerMs: number;
}

/** One request's rows handed to the log's worker, numbered for the answer. */
export interface PredictionAppend {
  id: number;
  rows: PredictionEntry[] | PredictedRows;
}

/** From the serving thread to the log's worker. */
export type ToPredictionLogWorker =
  /** Requests' rows, as entries or as answered, in the order answered; `observed`: whether job runs have listeners on the serving thread (lineage). */
  | { kind: 'append'; appends: PredictionAppend[]; observed: boolean }
  /** Commit what is queued now; answer `flushed` once nothing handed over is left. */
  | { kind: 'flush'; id: number }
  /** Flush, close the engine and end the thread (its native handles closed first: terminating a thread that holds them aborts the process). */
  | { kind: 'close' };

/** From the log's worker to the serving thread. */
export type FromPredictionLogWorker =
  /** These appends are committed. */
  | { kind: 'appended'; ids: number[] }
  /** These appends could not be committed; the error as plain data (an Error does not cross threads whole). */
  | { kind: 'append-failed'; ids: number[]; model: string; error: { message: string; code?: string } }
  /** A commit of a log, for the observer (metrics). */
  | { kind: 'committed'; model: string; rows: number; seconds: number }
  | { kind: 'flushed'; id: number }
  /** A job run event of a commit, to publish on the serving thread's channel (lineage listens there). */
  | { kind: 'job-run'; event: JobRunEvent };
