import { AquiferError } from '../../errors.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelVersion } from '../store/types.js';

/**
 * A version by number (`3`) or by alias (`champion`, `@champion`); `latest` is the highest
 * version. Aliases are resolved when asked, so moving one moves what every caller gets next.
 */
export async function resolveModelVersion(store: ModelStore, name: string, reference: string | number = 'latest'): Promise<ModelVersion> {
  if (typeof reference === 'number' || /^\d+$/.test(reference)) return store.getModelVersion(name, Number(reference));
  const alias = reference.startsWith('@') ? reference.slice(1) : reference;
  if (alias === 'latest') {
    const [newest] = (await store.listModelVersions({ names: [name], maxResults: 1 })).items;
    if (newest === undefined) {
      throw new AquiferError('MODEL_STORE_NOT_FOUND', `Model ${JSON.stringify(name)} has no versions`, {
        value: name,
        hint: 'Train one with `aquifer train`, or register one through MLflow.',
      });
    }
    return newest;
  }
  return store.getModelVersionByAlias(name, alias);
}
