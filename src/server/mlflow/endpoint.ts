import type { ArtifactStore, ModelStore } from '../../models/index.js';
import type { Fields } from './fields.js';

/** What a handler is handed: the request's fields (JSON body or query), path parameters and raw body. */
export interface MlflowRequest {
  fields: Fields;
  params: Readonly<Record<string, string>>;
  /** The body's bytes, for artifact uploads. */
  body: Uint8Array;
  /** The request's deadline: checked before a write, so a request already answered 503 writes nothing. */
  signal?: AbortSignal;
}

export interface MlflowContext {
  /** The project's model store, opened on first use. */
  store(): Promise<ModelStore>;
  artifacts: ArtifactStore;
  /** The project served: its root and name, for the job runs registrations are. */
  project?: { root: string; name: string };
}

/** A JSON answer, or a file's bytes. */
export type MlflowReply = Record<string, unknown> | Uint8Array;

/** One MLflow REST endpoint: what the pipeline needs to admit it, and its handler. */
export interface MlflowEndpoint {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The full path; `:name` one segment, a trailing `*name` the rest. */
  path: string;
  role: 'reader' | 'writer';
  /** `json` bodies (POST, PATCH, DELETE), none (GET: fields in the query) or raw bytes (artifact upload). */
  body: 'json' | 'none' | 'bytes';
  summary: string;
  handle(request: MlflowRequest, context: MlflowContext): Promise<MlflowReply>;
}

export const API = '/api/2.0/mlflow';

/** A read: GET with its fields in the query. */
export function get(path: string, summary: string, handle: MlflowEndpoint['handle']): MlflowEndpoint {
  return { method: 'GET', path: `${API}/${path}`, role: 'reader', body: 'none', summary, handle };
}

/** A write with a JSON body (POST unless given). */
export function write(path: string, summary: string, handle: MlflowEndpoint['handle'], method: 'POST' | 'PATCH' | 'DELETE' = 'POST'): MlflowEndpoint {
  return { method, path: `${API}/${path}`, role: 'writer', body: 'json', summary, handle };
}

/** A read with a JSON body (MLflow's POST searches). */
export function search(path: string, summary: string, handle: MlflowEndpoint['handle']): MlflowEndpoint {
  return { method: 'POST', path: `${API}/${path}`, role: 'reader', body: 'json', summary, handle };
}

/** MLflow's empty response. */
export const EMPTY: Record<string, unknown> = {};
