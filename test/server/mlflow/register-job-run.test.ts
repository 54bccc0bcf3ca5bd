import { afterEach, describe, expect, it } from 'vitest';
import { onJobRun, type JobRunEvent } from '../../../src/observe/index.js';
import { call, useMlflowServer } from './fixture.js';

const fixture = useMlflowServer();

describe('registering a model version through the MLflow API', () => {
  const events: JobRunEvent[] = [];
  let stop: (() => void) | undefined;
  afterEach(() => {
    stop?.();
    events.length = 0;
  });

  it('is a REGISTER run from the training set its run recorded to the new version', async () => {
    const experiment = await call(fixture, 'POST', 'experiments/create', { name: 'registering' });
    const tags = [
      { key: 'aquifer.training_set', value: 'churn_train' },
      { key: 'aquifer.training_set.version', value: '4' },
    ];
    const created = await call(fixture, 'POST', 'runs/create', { experiment_id: experiment.body['experiment_id'], start_time: Date.now(), tags });
    const runId = (created.body['run'] as { info: { run_id: string } }).info.run_id;
    await call(fixture, 'POST', 'registered-models/create', { name: 'churn' });
    stop = onJobRun((event) => events.push(event));
    expect((await call(fixture, 'POST', 'model-versions/create', { name: 'churn', source: `runs:/${runId}/model`, run_id: runId })).status).toBe(200);
    const complete = events.filter((e) => e.state === 'COMPLETE');
    expect(complete.map((e) => e.job)).toEqual([{ name: 'models.register.churn', type: 'REGISTER', project: fixture.project.root }]);
    const namespace = `aquifer://${fixture.project.config.name}`;
    expect(complete[0]?.inputs).toEqual([{ namespace, name: 'training-sets/churn_train', kind: 'training-set', version: '4' }]);
    expect(complete[0]?.outputs).toEqual([{ namespace, name: 'models/churn', kind: 'model', version: '1' }]);
  });
});
