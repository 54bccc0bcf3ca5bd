import { execFile } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { PredictionLog, type PredictionEntry } from '../../../src/models/index.js';
import { modelQuality, type ModelTask } from '../../../src/monitor/index.js';
import { Project } from '../../../src/project/index.js';
import { MODELS_PYTHON, modelsPythonAvailable } from '../../support/model-project.js';
import { seededRandom } from '../../support/random.js';
import { REPO_ROOT } from '../../support/shared.js';
import { tempDir } from '../../support/temp.js';

/** scikit-learn's metrics (the models venv) for each case. */
function sklearn(cases: { kind: 'binary' | 'macro' | 'regression'; p: number[]; y: number[] }[]): Promise<Record<string, number>[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(MODELS_PYTHON as string, [path.join(REPO_ROOT, 'test', 'support', 'sklearn_metrics.py')], (error, stdout, stderr) =>
      error === null ? resolve(JSON.parse(stdout) as Record<string, number>[]) : reject(new Error(`${error.message}: ${stderr}`)),
    );
    child.stdin?.end(JSON.stringify(cases));
  });
}

const MODELS: { model: string; kind: 'binary' | 'macro' | 'regression'; task: ModelTask; draw: (random: () => number) => [number, number] }[] = [
  { model: 'binary', kind: 'binary', task: 'classification', draw: (r) => [r() < 0.4 ? 1 : 0, r() < 0.5 ? 1 : 0] },
  { model: 'four_classes', kind: 'macro', task: 'classification', draw: (r) => [Math.floor(r() * 4), Math.floor(r() * 4)] },
  { model: 'regressor', kind: 'regression', task: 'regression', draw: (r) => [r() * 10, r() * 10] },
];
const DAYS = 3;
const ROWS = 600;

describe.runIf(modelsPythonAvailable())("model quality against scikit-learn's metrics", () => {
  let engine: Engine;
  let project: Project;
  const drawn = new Map<string, { day: number; p: number; y: number }[]>();

  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    project = await Project.init(await tempDir('aquifer-quality-parity-'));
    const random = seededRandom(11);
    const log = new PredictionLog(project, engine);
    for (const { model, draw } of MODELS) {
      const rows = Array.from({ length: ROWS }, (_, i) => {
        const [p, y] = draw(random);
        return { day: 1 + (i % DAYS), p, y };
      });
      drawn.set(model, rows);
      const entries = rows.map(({ day, p }, i): PredictionEntry => ({
        requestId: `${model}-${i}`,
        rowIndex: 0,
        time: new Date(Date.UTC(2026, 0, day, i % 24)),
        model,
        version: '1',
        entities: {},
        features: {},
        prediction: p,
        outputs: { prediction: p },
      }));
      log.log(entries);
      await log.flush();
      await log.feedback(
        model,
        `labels-${model}`,
        rows.map(({ y }, i) => ({ requestId: `${model}-${i}`, rowIndex: 0, label: y, time: new Date(Date.UTC(2026, 1, 1)) })),
      );
    }
  }, 120_000);

  afterAll(() => engine?.close());

  it.each(MODELS)('$model: every metric of every day within 1e-12 relative', async ({ model, kind, task }) => {
    const quality = await modelQuality(project, engine, { model, window: 'day', task });
    expect(quality.rows.map((r) => r.window_start)).toEqual(['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
    if (kind !== 'regression') expect(quality.average).toBe(kind);
    const days = quality.rows.map((_, i) => (drawn.get(model) ?? []).filter((r) => r.day === i + 1));
    const expected = await sklearn(days.map((rows) => ({ kind, p: rows.map((r) => r.p), y: rows.map((r) => r.y) })));
    quality.rows.forEach((row, i) => {
      expect(row.count).toBe(days[i]?.length);
      for (const [metric, value] of Object.entries(expected[i] ?? {}))
        expect(Math.abs((row[metric as keyof typeof row] as number) - value), `${metric} on day ${i + 1}`).toBeLessThanOrEqual(
          1e-12 * Math.max(Math.abs(value), 1e-300),
        );
    });
  });
});
