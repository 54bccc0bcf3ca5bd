import { AquiferError } from '../../errors.js';
import type { ModelStore } from '../store/model-store.js';
import type { ModelVersion } from '../store/types.js';

/** The tag a retraining leaves on its candidate, and the outcomes that keep it from being `latest`. */
const RETRAIN_OUTCOME_TAG = 'aquifer.retrain.outcome';
const NOT_SERVED = new Set(['rejected', 'failed']);
/** How many of the newest versions `latest` looks through for one a retraining did not turn down. */
const LATEST_SCAN = 100;

/**
 * A version by number (`3`) or by alias (`champion`, `@champion`); `latest` is the highest
 * version, passing over candidates a retraining turned down (tagged `aquifer.retrain.outcome`
 * `rejected` or `failed`): a candidate that lost on the holdout stays registered, to be looked
 * at, but must not become what unversioned requests and monitors get. Aliases are resolved
 * when asked, so moving one moves what every caller gets next.
 */
export async function resolveModelVersion(store: ModelStore, name: string, reference: string | number = 'latest'): Promise<ModelVersion> {
  if (typeof reference === 'number' || /^\d+$/.test(reference)) return store.getModelVersion(name, Number(reference));
  const alias = reference.startsWith('@') ? reference.slice(1) : reference;
  if (alias === 'latest') {
    const versions = (await store.listModelVersions({ names: [name], maxResults: LATEST_SCAN })).items;
    const newest = versions.find((v) => !NOT_SERVED.has(v.tags.find((t) => t.key === RETRAIN_OUTCOME_TAG)?.value ?? '')) ?? versions[0];
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
