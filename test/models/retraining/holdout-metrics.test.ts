import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareScores, scoreHoldout, type HoldoutMetric } from '../../../src/models/index.js';
import { MODELS_PYTHON, modelsPythonAvailable } from '../../support/model-project.js';

describe('holdout metrics', () => {
  // 8 rows: TP = 3 (rows 0, 1, 4), FP = 1 (row 2), FN = 2 (rows 3, 6), TN = 2 (rows 5, 7).
  const predicted = [1, 1, 1, 0, 1, 0, 0, 0];
  const actual = [1, 1, 0, 1, 1, 0, 1, 0];

  it('scores a binary classifier as counted by hand', () => {
    expect(scoreHoldout('accuracy', predicted, actual)).toBe(5 / 8);
    expect(scoreHoldout('precision', predicted, actual)).toBe(3 / 4);
    expect(scoreHoldout('recall', predicted, actual)).toBe(3 / 5);
    expect(scoreHoldout('f1', predicted, actual)).toBe(6 / 9);
  });

  it('takes 1, 1.0, "1", true and a one-element list as the same class', () => {
    expect(scoreHoldout('accuracy', [true, [1], '1', 0n, false], [1, 1.0, 1, 0, '0'])).toBe(1);
  });

  it('scores the positive class it is given', () => {
    // Class 0 as positive: TP = 2, FP = 2, FN = 1.
    expect(scoreHoldout('precision', predicted, actual, { positiveLabel: 0 })).toBe(2 / 4);
    expect(scoreHoldout('recall', predicted, actual, { positiveLabel: 0 })).toBe(2 / 3);
  });

  it('gives 0 where precision or recall has nothing to divide by, as scikit-learn does', () => {
    expect(scoreHoldout('precision', [0, 0], [1, 0])).toBe(0);
    expect(scoreHoldout('recall', [1, 0], [0, 0])).toBe(0);
    expect(scoreHoldout('f1', [0, 0], [0, 0])).toBe(0);
  });

  it('scores a regressor by rmse and mae, unwrapping [N, 1] outputs', () => {
    const p = [[2.5], [0.0], [2.0], [8.0]];
    const y = [3, -0.5, 2, 7];
    expect(scoreHoldout('mae', p, y)).toBe(0.5);
    expect(scoreHoldout('rmse', p, y)).toBeCloseTo(Math.sqrt(0.375), 15);
  });

  it('refuses an empty holdout, mismatched lengths and a label that is not a number for rmse', () => {
    expect(() => scoreHoldout('accuracy', [], [])).toThrow(expect.objectContaining({ code: 'MODEL_RETRAIN_INVALID' }));
    expect(() => scoreHoldout('accuracy', [1], [1, 0])).toThrow(expect.objectContaining({ code: 'MODEL_RETRAIN_INVALID' }));
    expect(() => scoreHoldout('rmse', [1], ['high'])).toThrow(expect.objectContaining({ code: 'MODEL_RETRAIN_INVALID' }));
  });

  it.skipIf(!modelsPythonAvailable())('agrees with scikit-learn on generated labels and values', () => {
    const n = 500;
    const labels = Array.from({ length: n }, (_, i) => ((i * 7919) % 3 === 0 ? 1 : 0));
    const guesses = Array.from({ length: n }, (_, i) => ((i * 104729) % 5 < 2 ? 1 : 0));
    const truth = Array.from({ length: n }, (_, i) => Math.sin(i) * 10);
    const fitted = Array.from({ length: n }, (_, i) => Math.sin(i) * 10 + Math.cos(i * 3) * 2);
    const script = `
import json, sys
from sklearn import metrics
d = json.load(sys.stdin)
y, p, t, f = d["labels"], d["guesses"], d["truth"], d["fitted"]
print(json.dumps({
  "accuracy": metrics.accuracy_score(y, p), "precision": metrics.precision_score(y, p), "recall": metrics.recall_score(y, p),
  "f1": metrics.f1_score(y, p), "rmse": metrics.mean_squared_error(t, f) ** 0.5, "mae": metrics.mean_absolute_error(t, f),
}))`;
    const expected = JSON.parse(
      execFileSync(MODELS_PYTHON as string, ['-c', script], { input: JSON.stringify({ labels, guesses, truth, fitted }), encoding: 'utf8' }),
    ) as Record<HoldoutMetric, number>;
    for (const metric of ['accuracy', 'precision', 'recall', 'f1'] as const) expect(scoreHoldout(metric, guesses, labels)).toBeCloseTo(expected[metric], 12);
    for (const metric of ['rmse', 'mae'] as const) expect(scoreHoldout(metric, fitted, truth)).toBeCloseTo(expected[metric], 12);
  });

  it('moves the alias only for a strict improvement of at least the minimum, either way round', () => {
    expect(compareScores(0.8, 0.9, 'higher', 0)).toEqual({ improvement: 0.9 - 0.8, better: true });
    expect(compareScores(0.8, 0.8, 'higher', 0).better).toBe(false);
    expect(compareScores(0.8, 0.85, 'higher', 0.1).better).toBe(false);
    expect(compareScores(2.0, 1.5, 'lower', 0.5)).toEqual({ improvement: 0.5, better: true });
    expect(compareScores(2.0, 2.5, 'lower', 0).better).toBe(false);
  });
});
