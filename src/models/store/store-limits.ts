import { AquiferError } from '../../errors.js';

/** Bounds on what the store takes, MLflow's where it has them (keys 250, param values 6000, tag values 8000). */
export const LIMITS = {
  key: 250,
  name: 256,
  paramValue: 6000,
  tagValue: 8000,
  description: 5000,
  source: 4096,
  datasetJson: 1_000_000,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  pageSize: 50_000,
} as const;

export function checkKey(key: unknown, what: string): void {
  if (typeof key !== 'string' || key === '' || key.length > LIMITS.key || /[\0\n\r]/.test(key) || key.includes('..') || key.startsWith('/')) {
    throw new AquiferError('MODEL_STORE_INVALID', `Invalid ${what} ${JSON.stringify(key)}`, {
      value: key,
      hint: `Keys are 1 to ${LIMITS.key} characters, without newlines, ".." or a leading "/".`,
    });
  }
}

export function checkName(name: unknown, what: string): void {
  if (typeof name !== 'string' || name.trim() === '' || name.length > LIMITS.name || /[\0\n\r]/.test(name)) {
    throw new AquiferError('MODEL_STORE_INVALID', `Invalid ${what} ${JSON.stringify(name)}`, {
      value: name,
      hint: `Names are 1 to ${LIMITS.name} characters on one line.`,
    });
  }
}

export function checkValue(value: unknown, limit: number, what: string): void {
  if (typeof value !== 'string' || value.length > limit || value.includes('\0')) {
    throw new AquiferError('MODEL_STORE_INVALID', `The ${what} is not a string of at most ${limit} characters`, {
      value: typeof value === 'string' ? `${value.slice(0, 64)}…` : value,
      hint: `Shorten it to ${limit} characters.`,
    });
  }
}
