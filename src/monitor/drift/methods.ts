/**
 * The drift methods, by Evidently's names (the `name` a user asks for, as in
 * `DataDriftPreset(per_column_method=...)`, and the display name its reports carry), with the
 * column types each takes, its default threshold and which side of the threshold is drift
 * (evidently/legacy/calculations/stattests/*.py, Evidently 0.7.23).
 */

/** Evidently's type of a column, as it infers it from the current data. */
export type ColumnType = 'numeric' | 'categorical';

export const DRIFT_METHOD_NAMES = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi', 'kl_div', 'anderson', 'cramer_von_mises'] as const;

export type DriftMethodName = (typeof DRIFT_METHOD_NAMES)[number];

export interface DriftMethod {
  name: DriftMethodName;
  /** The name in Evidently's reports (`ValueDrift(method=...)`). */
  displayName: string;
  types: readonly ColumnType[];
  defaultThreshold: number;
  /** Whether a value is drift at a threshold: p-values below it, distances at or above it (per method, as Evidently compares). */
  drifted: (value: number, threshold: number) => boolean;
}

const pValueAtOrBelow = (value: number, threshold: number): boolean => value <= threshold;
const pValueBelow = (value: number, threshold: number): boolean => value < threshold;
const distanceAtOrAbove = (value: number, threshold: number): boolean => value >= threshold;

const method = (
  name: DriftMethodName,
  displayName: string,
  types: readonly ColumnType[],
  defaultThreshold: number,
  drifted: DriftMethod['drifted'],
): [DriftMethodName, DriftMethod] => [name, { name, displayName, types, defaultThreshold, drifted }];

const BOTH: readonly ColumnType[] = ['numeric', 'categorical'];

export const DRIFT_METHODS: ReadonlyMap<DriftMethodName, DriftMethod> = new Map([
  method('ks', 'K-S p_value', ['numeric'], 0.05, pValueAtOrBelow),
  method('chisquare', 'chi-square p_value', ['categorical'], 0.05, pValueBelow),
  method('z', 'Z-test p_value', ['categorical'], 0.05, pValueBelow),
  method('wasserstein', 'Wasserstein distance (normed)', ['numeric'], 0.1, distanceAtOrAbove),
  method('jensenshannon', 'Jensen-Shannon distance', BOTH, 0.1, distanceAtOrAbove),
  method('psi', 'PSI', BOTH, 0.1, distanceAtOrAbove),
  method('kl_div', 'Kullback-Leibler divergence', BOTH, 0.1, distanceAtOrAbove),
  method('anderson', 'Anderson-Darling', ['numeric'], 0.1, pValueBelow),
  method('cramer_von_mises', 'Cramer-von Mises', ['numeric'], 0.1, pValueAtOrBelow),
]);

export function isDriftMethodName(name: string): name is DriftMethodName {
  return (DRIFT_METHOD_NAMES as readonly string[]).includes(name);
}

/** Evidently's cut between small and large reference data (non-missing values). */
export const SMALL_REFERENCE = 1000;

/**
 * The method DataDriftPreset picks when none is given (`_get_default_stattest` in
 * stattests/registry.py): by the reference's count of values and the number of distinct
 * values in both samples together. Small references get tests (K-S, chi-square, Z), large
 * ones distances (Wasserstein, Jensen–Shannon).
 */
export function defaultMethod(type: ColumnType, referenceValues: number, distinctValues: number): DriftMethodName {
  if (referenceValues <= SMALL_REFERENCE) {
    if (type === 'numeric' && distinctValues > 5) return 'ks';
    return distinctValues > 2 ? 'chisquare' : 'z';
  }
  return type === 'numeric' && distinctValues > 5 ? 'wasserstein' : 'jensenshannon';
}
