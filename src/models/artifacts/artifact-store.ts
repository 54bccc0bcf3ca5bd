import path from 'node:path';
import { AquiferError } from '../../errors.js';
import type { Project } from '../../project/index.js';
import type { ObjectStore } from '../../storage/index.js';

/** One entry of an artifact folder listing, named relative to the listed folder's root. */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Bytes, for files. */
  size?: number;
}

/** The folder (under the tables root) holding a project's artifacts on object storage; a leading `_` is never a table's name. */
export const ARTIFACTS_FOLDER = '_artifacts';

/**
 * Where a project keeps its artifacts: beside its tables when they are on object storage
 * (`s3://bucket/prefix/_artifacts`), so a model trained on one machine is served from any
 * other that reads the bucket, with the credentials the tables use; `.aquifer/artifacts/`
 * in the project folder when the tables are local.
 */
export function artifactsLocation(project: Project): string {
  const storage = project.config.backends.tableStorage;
  if (storage === 'local') return path.join(project.root, '.aquifer', 'artifacts');
  return `${storage.root.replace(/\/+$/, '')}/${ARTIFACTS_FOLDER}`;
}

/**
 * Run and model artifacts, laid out as MLflow's artifact proxy lays them out
 * (`<experiment>/<run>/artifacts/…` for a run, `<experiment>/models/<model id>/artifacts/…`
 * for a logged model), so an artifact URI `mlflow-artifacts:/<path>` names the same file
 * here and to an MLflow client, wherever `artifactsLocation` puts the root.
 */
export class ArtifactStore {
  constructor(readonly store: ObjectStore) {}

  /** The project's artifacts, opened through its stores (one S3 client with its tables), so `Project.close` releases them too. */
  static forProject(project: Project): ArtifactStore {
    return new ArtifactStore(project.stores.open(artifactsLocation(project)));
  }

  async put(artifactPath: string, data: Uint8Array | string): Promise<void> {
    await this.store.put(checkArtifactPath(artifactPath), data);
  }

  /** The file's bytes; MODEL_ARTIFACT_NOT_FOUND when there is none. */
  async get(artifactPath: string): Promise<Uint8Array> {
    const found = await this.find(artifactPath);
    if (found === undefined) {
      throw new AquiferError('MODEL_ARTIFACT_NOT_FOUND', `No artifact at ${artifactPath}`, {
        value: artifactPath,
        hint: 'List the folder first (GET /api/2.0/mlflow-artifacts/artifacts?path=…, or `aquifer models show`).',
      });
    }
    return found;
  }

  /** The file's bytes, or undefined when there is none: one GET, where a head first would be two round trips on object storage. */
  async find(artifactPath: string): Promise<Uint8Array | undefined> {
    const key = checkArtifactPath(artifactPath);
    try {
      return await this.store.get(key);
    } catch (error) {
      if (error instanceof AquiferError && error.code === 'STORAGE_NOT_FOUND') return undefined;
      // A folder's path fails otherwise on a local disk (EISDIR), though no file is there either.
      if ((await this.store.head(key).catch(() => null)) === undefined) return undefined;
      throw error;
    }
  }

  async exists(artifactPath: string): Promise<boolean> {
    return (await this.store.head(checkArtifactPath(artifactPath))) !== undefined;
  }

  /** The files and folders directly under `folder` (MLflow's list-artifacts). */
  async list(folder: string): Promise<ArtifactEntry[]> {
    const prefix = folder === '' ? '' : `${checkArtifactPath(folder)}/`;
    const objects = await this.store.list(prefix, { recursive: true });
    const entries = new Map<string, ArtifactEntry>();
    for (const object of objects) {
      const rest = object.path.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash < 0) entries.set(rest, { path: rest, isDir: false, size: object.size });
      else entries.set(rest.slice(0, slash), { path: rest.slice(0, slash), isDir: true });
    }
    return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Every file under `folder`, with paths relative to it. */
  async listFiles(folder: string): Promise<ArtifactEntry[]> {
    const prefix = folder === '' ? '' : `${checkArtifactPath(folder)}/`;
    return (await this.store.list(prefix, { recursive: true })).map((o) => ({ path: o.path.slice(prefix.length), isDir: false, size: o.size }));
  }
}

/**
 * An artifact path is relative and stays inside the artifact root: no empty, `.` or `..`
 * segment, no backslash, no NUL. MODEL_ARTIFACT_PATH_INVALID otherwise.
 */
export function checkArtifactPath(artifactPath: string): string {
  const trimmed = artifactPath.replace(/\/+$/, '');
  const bad =
    trimmed === '' ||
    trimmed.startsWith('/') ||
    trimmed.includes('\\') ||
    trimmed.includes('\0') ||
    trimmed.split('/').some((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad) {
    throw new AquiferError('MODEL_ARTIFACT_PATH_INVALID', `Invalid artifact path ${JSON.stringify(artifactPath)}`, {
      value: artifactPath,
      hint: 'Artifact paths are relative, "/"-separated, without "." or ".." segments.',
    });
  }
  return trimmed;
}
