import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { ArtifactStore, openModelStore, predictionsTable } from '../../src/models/index.js';
import { Project } from '../../src/project/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { modelsPythonAvailable, registerOnnxVersion, sklearnLogisticRegression } from '../support/onnx-models.js';
import { exited } from '../support/processes.js';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const runs = modelsPythonAvailable();

describe.runIf(runs)('aquifer serve and the prediction log', () => {
  let project: Project;
  let engine: Engine;
  const X = Array.from({ length: 30 }, (_, i) => [(i % 7) / 7, (i % 5) / 5, (i % 3) / 3]);

  beforeAll(async () => {
    engine = await Engine.create({ threads: 1 });
    project = await Project.init(await tempDir('aquifer-cli-predictions-'));
    const lr = await sklearnLogisticRegression({ X, y: X.map((x) => (x[0]! + x[1]! > 0.8 ? 1 : 0)), eval: X.slice(0, 1) });
    const store = await openModelStore(project);
    await registerOnnxVersion(store, ArtifactStore.forProject(project.root), 'lr', { 'model.onnx': lr.bytes });
    await store.close();
  }, 120_000);

  afterAll(() => engine?.close());

  it('commits every prediction it answered before it exits on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), 'serve', '--project', project.root, '--port', '0', '--anonymous', 'loopback'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let answered = 0;
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          const found = /at (http:\/\/\S+)/.exec(line);
          if (found !== null) resolve(found[1] as string);
        });
        child.once('exit', () => reject(new Error(`serve exited: ${stderr}`)));
      });
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          fetch(`${url}/v1/models/lr/predict`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instances: X.slice(0, 1 + (i % 3)).map((x) => ({ float_input: x })) }),
          }),
        ),
      );
      for (const response of responses) {
        expect(response.status).toBe(200);
        answered += ((await response.json()) as { predictions: unknown[] }).predictions.length;
      }
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(child.exitCode, stderr).toBe(0);
    const log = await DeltaTable.open(project.tablePath(predictionsTable('lr')), { engine });
    expect(await (await log.scan()).count()).toBe(answered);
  }, 120_000);
});
