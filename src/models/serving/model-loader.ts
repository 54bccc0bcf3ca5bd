import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelVersion } from '../store/types.js';
import { resolveModelVersion } from '../registry/model-reference.js';
import { functionModel } from './function-model.js';
import { onnxBytes } from './model-files.js';
import { OnnxModel } from './onnx-model.js';
import { TRAINING_TAGS } from '../training/training-tags.js';
import type { ServableModel } from './servable-model.js';

/**
 * Loads registry versions into ONNX Runtime and keeps them, one session per (name, version).
 * Versions are immutable, so a session is never stale. Aliases move: what a reference
 * resolved to is kept only while the store's change token (ModelStore.changeToken) stays
 * the same, so a moved alias, in this process or another, is followed on the next call
 * without a registry query on every request.
 */
export class ModelLoader {
  private readonly sessions = new Map<string, Promise<ServableModel>>();
  private readonly resolved = new Map<string, { token: string; version: Promise<ModelVersion> }>();

  constructor(
    readonly store: ModelStore,
    readonly artifacts: ArtifactStore,
  ) {}

  /**
   * `versionOrAlias`: a version number ("3", or 3), an alias ("champion"), or absent for the
   * newest version. A function registered under the name answers first, whatever is asked.
   */
  async load(name: string, versionOrAlias?: string | number): Promise<ServableModel> {
    const inCode = functionModel(name);
    if (inCode !== undefined) return inCode;
    const version = await this.resolve(name, versionOrAlias);
    const key = `${name}\u0000${version.version}`;
    let found = this.sessions.get(key);
    if (found === undefined) {
      found = onnxBytes(this.store, this.artifacts, version).then((bytes) =>
        OnnxModel.load(name, String(version.version), bytes, version.tags.find((t) => t.key === TRAINING_TAGS.trainingSet)?.value),
      );
      this.sessions.set(key, found);
      // A failed load is tried again on the next request: the file may be fixed meanwhile.
      found.catch(() => this.sessions.delete(key));
    }
    return found;
  }

  /** The version a request names, from the store: a number, an alias (`champion` or `@champion`), or `latest` (the default). */
  resolve(name: string, versionOrAlias?: string | number): Promise<ModelVersion> {
    const reference = versionOrAlias === undefined || versionOrAlias === '' ? 'latest' : versionOrAlias;
    const token = this.store.changeToken?.();
    if (token === undefined) return resolveModelVersion(this.store, name, reference);
    const key = `${name}\u0000${reference}`;
    const known = this.resolved.get(key);
    if (known !== undefined && known.token === token) return known.version;
    const version = resolveModelVersion(this.store, name, reference);
    // Bounded: a client naming ever new aliases must not grow it without end.
    if (this.resolved.size >= MAX_RESOLVED) this.resolved.clear();
    this.resolved.set(key, { token, version });
    // A failed lookup (no such alias yet) is asked again next time.
    version.catch(() => {
      if (this.resolved.get(key)?.version === version) this.resolved.delete(key);
    });
    return version;
  }
}

/** References kept resolved at once. */
const MAX_RESOLVED = 1024;

const loaders = new WeakMap<ModelStore, ModelLoader>();

/** `ModelLoader.load` with one loader (and session cache) per store. */
export function loadModel(store: ModelStore, artifacts: ArtifactStore, name: string, versionOrAlias?: string | number): Promise<ServableModel> {
  let loader = loaders.get(store);
  if (loader === undefined) {
    loader = new ModelLoader(store, artifacts);
    loaders.set(store, loader);
  }
  return loader.load(name, versionOrAlias);
}
