import path from 'node:path';
import { AquiferError } from '../../errors.js';
import { LocalObjectStore, type ObjectStore } from '../../storage/index.js';

/** One entry of an artifact folder listing, named relative to the listed folder's root. */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Bytes, for files. */
  size?: number;
}

/**
 * Run and model artifacts: files under `.aquifer/artifacts/` in the project, laid out as
 * MLflow's artifact proxy lays them out (`<experiment>/<run>/artifacts/…` for a run,
 * `<experiment>/models/<model id>/artifacts/…` for a logged model), so an artifact URI
 * `mlflow-artifacts:/<path>` names the same file here and to an MLflow client.
 */
export class ArtifactStore {
  constructor(readonly store: ObjectStore) {}

  static forProject(projectRoot: string): ArtifactStore {
    return new ArtifactStore(new LocalObjectStore(path.join(projectRoot, '.aquifer', 'artifacts')));
  }

  async put(artifactPath: string, data: Uint8Array | string): Promise<void> {
    await this.store.put(checkArtifactPath(artifactPath), data);
  }

  /** The file's bytes; MODEL_ARTIFACT_NOT_FOUND when there is none. */
  async get(artifactPath: string): Promise<Uint8Array> {
    const key = checkArtifactPath(artifactPath);
    const meta = await this.store.head(key);
    if (meta === undefined) {
      throw new AquiferError('MODEL_ARTIFACT_NOT_FOUND', `No artifact at ${artifactPath}`, {
        value: artifactPath,
        hint: 'List the folder first (GET /api/2.0/mlflow-artifacts/artifacts?path=…, or `aquifer models show`).',
      });
    }
    return this.store.get(key);
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
