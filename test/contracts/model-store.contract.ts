import { describe, expect, it } from 'vitest';
import type { ModelStore } from '../../src/models/index.js';

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/** What every ModelStore backend must honour; each backend's test calls this with a factory for an empty store. */
export function runModelStoreContract(name: string, create: () => Promise<ModelStore>): void {
  describe(`${name} honours the ModelStore contract`, () => {
    const withStore = (body: (store: ModelStore) => Promise<void>) => async () => {
      const store = await create();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    };

    it(
      "has MLflow's Default experiment, creates experiments with MLflow artifact locations, and refuses a second of the same name",
      withStore(async (store) => {
        expect((await store.getExperiment('0')).name).toBe('Default');
        const created = await store.createExperiment('churn', { tags: [{ key: 'team', value: 'growth' }] });
        expect(created).toMatchObject({ name: 'churn', artifactLocation: `mlflow-artifacts:/${created.experimentId}`, lifecycleStage: 'active' });
        expect(created.tags).toEqual([{ key: 'team', value: 'growth' }]);
        expect((await store.findExperiment('churn'))?.experimentId).toBe(created.experimentId);
        expect(await store.findExperiment('nope')).toBeUndefined();
        expect(await codeOf(store.createExperiment('churn'))).toBe('MODEL_STORE_ALREADY_EXISTS');
        expect(await codeOf(store.getExperiment('999'))).toBe('MODEL_STORE_NOT_FOUND');
        expect(await codeOf(store.getExperiment('../x'))).toBe('MODEL_STORE_NOT_FOUND');
        await store.updateExperiment(created.experimentId, { lifecycleStage: 'deleted' });
        expect((await store.listExperiments()).map((e) => e.name)).toEqual(['Default']);
        expect((await store.listExperiments({ view: 'all' })).map((e) => e.name)).toEqual(['Default', 'churn']);
        // Ids are never reused, even after a delete.
        const next = await store.createExperiment('fraud');
        expect(Number(next.experimentId)).toBeGreaterThan(Number(created.experimentId));
      }),
    );

    it(
      'logs params once, metrics as points deduplicated on (key, timestamp, step, value), and tags that can change',
      withStore(async (store) => {
        const experiment = await store.createExperiment('e');
        const run = await store.createRun({ experimentId: experiment.experimentId, runName: 'first', startTime: 1000 });
        expect(run.info).toMatchObject({
          runName: 'first',
          status: 'RUNNING',
          artifactUri: `mlflow-artifacts:/${experiment.experimentId}/${run.info.runId}/artifacts`,
        });
        expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
        await store.logBatch(run.info.runId, {
          params: [{ key: 'C', value: '1.0' }],
          metrics: [
            { key: 'loss', value: 1, timestamp: 10, step: 0 },
            { key: 'loss', value: 0.5, timestamp: 11, step: 1 },
            { key: 'loss', value: 0.25, timestamp: 12, step: 2 },
          ],
          tags: [{ key: 'stage', value: 'a' }],
        });
        // The same point again (MLflow 3 re-logs it with a model id) is kept once in the run, and is the model's metric.
        const model = await store.createLoggedModel({ experimentId: experiment.experimentId, sourceRunId: run.info.runId });
        for (let i = 0; i < 2; i++) {
          await store.logBatch(run.info.runId, {
            metrics: [{ key: 'loss', value: 1, timestamp: 10, step: 0, modelId: model.modelId }],
            tags: [{ key: 'stage', value: 'b' }],
          });
        }
        expect((await store.getLoggedModel(model.modelId)).metrics).toEqual([
          { key: 'loss', value: 1, timestamp: 10, step: 0, modelId: model.modelId, runId: run.info.runId },
        ]);
        expect(await codeOf(store.logBatch(run.info.runId, { metrics: [{ key: 'loss', value: 1, timestamp: 10, step: 0, modelId: 'm-x' }] }))).toBe(
          'MODEL_STORE_NOT_FOUND',
        );
        await store.logBatch(run.info.runId, { params: [{ key: 'C', value: '1.0' }] });
        expect(await codeOf(store.logBatch(run.info.runId, { params: [{ key: 'C', value: '2.0' }] }))).toBe('MODEL_STORE_PARAM_CHANGED');
        expect((await store.metricHistory(run.info.runId, 'loss')).map((m) => [m.step, m.value])).toEqual([
          [0, 1],
          [1, 0.5],
          [2, 0.25],
        ]);
        const read = await store.getRun(run.info.runId);
        expect(read.params).toEqual([{ key: 'C', value: '1.0' }]);
        expect(read.metrics).toEqual([{ key: 'loss', value: 0.25, timestamp: 12, step: 2 }]);
        expect(read.tags).toEqual([
          { key: 'mlflow.runName', value: 'first' },
          { key: 'stage', value: 'b' },
        ]);
        const finished = await store.updateRun(run.info.runId, { status: 'FINISHED', endTime: 2000 });
        expect(finished.info).toMatchObject({ status: 'FINISHED', endTime: 2000 });
        expect(await codeOf(store.logBatch('f'.repeat(32), { tags: [{ key: 'a', value: 'b' }] }))).toBe('MODEL_STORE_NOT_FOUND');
        expect(await codeOf(store.logBatch(run.info.runId, { tags: [{ key: '', value: 'b' }] }))).toBe('MODEL_STORE_INVALID');
        expect(await codeOf(store.logBatch(run.info.runId, { params: [{ key: 'big', value: 'x'.repeat(6001) }] }))).toBe('MODEL_STORE_INVALID');
        // A failed batch writes nothing of itself.
        expect(await codeOf(store.logBatch(run.info.runId, { tags: [{ key: 'partial', value: 'x' }], params: [{ key: 'C', value: '3' }] }))).toBe(
          'MODEL_STORE_PARAM_CHANGED',
        );
        expect((await store.getRun(run.info.runId)).tags.map((t) => t.key)).not.toContain('partial');
      }),
    );

    it(
      'keeps inputs and outputs, searches runs newest first in pages, and hides deleted runs unless asked',
      withStore(async (store) => {
        const experiment = await store.createExperiment('e');
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.createRun({ experimentId: experiment.experimentId, startTime: 1000 + i })).info.runId);
        const dataset = { name: 'train', digest: 'abc', sourceType: 'delta', source: '{"table":"t","version":3}' };
        await store.logInputs(ids[0] as string, [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
        await store.logInputs(ids[0] as string, [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
        const model = await store.createLoggedModel({ experimentId: experiment.experimentId, name: 'model', sourceRunId: ids[0] as string });
        await store.logOutputs(ids[0] as string, [{ modelId: model.modelId, step: 0 }]);
        const first = await store.getRun(ids[0] as string);
        expect(first.inputs).toEqual([{ dataset, tags: [{ key: 'mlflow.data.context', value: 'training' }] }]);
        expect(first.outputs).toEqual([{ modelId: model.modelId, step: 0 }]);

        const page1 = await store.searchRuns({ experimentIds: [experiment.experimentId], maxResults: 3 });
        expect(page1.items.map((r) => r.info.runId)).toEqual([ids[4], ids[3], ids[2]]);
        const page2 = await store.searchRuns({ experimentIds: [experiment.experimentId], maxResults: 3, pageToken: page1.nextPageToken as string });
        expect(page2.items.map((r) => r.info.runId)).toEqual([ids[1], ids[0]]);
        expect(page2.nextPageToken).toBeUndefined();
        await store.setRunLifecycle(ids[4] as string, 'deleted');
        expect((await store.searchRuns({ experimentIds: [experiment.experimentId] })).items).toHaveLength(4);
        expect((await store.searchRuns({ experimentIds: [experiment.experimentId], view: 'deleted' })).items.map((r) => r.info.runId)).toEqual([ids[4]]);
        expect(await codeOf(store.logBatch(ids[4] as string, { tags: [{ key: 'a', value: 'b' }] }))).toBe('MODEL_STORE_INVALID');
      }),
    );

    it(
      'keeps logged models with params, tags and a status, in MLflow artifact locations',
      withStore(async (store) => {
        const experiment = await store.createExperiment('e');
        const model = await store.createLoggedModel({ experimentId: experiment.experimentId, name: 'model', params: [{ key: 'p', value: '1' }] });
        expect(model.modelId).toMatch(/^m-[0-9a-f]{32}$/);
        expect(model).toMatchObject({
          status: 'LOGGED_MODEL_PENDING',
          artifactLocation: `mlflow-artifacts:/${experiment.experimentId}/models/${model.modelId}/artifacts`,
        });
        await store.setLoggedModelTags(model.modelId, [{ key: 'mlflow.modelVersions', value: '[]' }]);
        const ready = await store.updateLoggedModel(model.modelId, { status: 'LOGGED_MODEL_READY' });
        expect(ready).toMatchObject({ status: 'LOGGED_MODEL_READY', params: [{ key: 'p', value: '1' }], tags: [{ key: 'mlflow.modelVersions', value: '[]' }] });
        expect((await store.searchLoggedModels({ experimentIds: [experiment.experimentId] })).items.map((m) => m.modelId)).toEqual([model.modelId]);
        expect(await codeOf(store.getLoggedModel('m-nope'))).toBe('MODEL_STORE_NOT_FOUND');
        await store.logLoggedModelParams(model.modelId, [{ key: 'q', value: '2' }]);
        await store.logLoggedModelParams(model.modelId, [{ key: 'q', value: '2' }]);
        expect(await codeOf(store.logLoggedModelParams(model.modelId, [{ key: 'q', value: '3' }]))).toBe('MODEL_STORE_PARAM_CHANGED');
        expect((await store.getLoggedModel(model.modelId)).params).toEqual([
          { key: 'p', value: '1' },
          { key: 'q', value: '2' },
        ]);
      }),
    );

    it(
      'numbers versions per model, moves aliases, refuses aliases that read as versions, and cascades a delete',
      withStore(async (store) => {
        await store.createRegisteredModel('churn', { description: 'who leaves' });
        expect(await codeOf(store.createRegisteredModel('churn'))).toBe('MODEL_STORE_ALREADY_EXISTS');
        expect(await codeOf(store.createModelVersion({ name: 'nope', source: 'x' }))).toBe('MODEL_STORE_NOT_FOUND');
        const v1 = await store.createModelVersion({ name: 'churn', source: 'models:/m-1', tags: [{ key: 'aquifer.training_set', value: 'ts' }] });
        const v2 = await store.createModelVersion({ name: 'churn', source: 'models:/m-2' });
        expect([v1.version, v2.version]).toEqual([1, 2]);
        expect(v1).toMatchObject({ status: 'READY', tags: [{ key: 'aquifer.training_set', value: 'ts' }], aliases: [] });
        await store.setAlias('churn', 'champion', 1);
        expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(1);
        await store.setAlias('churn', 'champion', 2);
        expect((await store.getModelVersionByAlias('churn', 'champion')).version).toBe(2);
        expect((await store.getModelVersion('churn', 2)).aliases).toEqual(['champion']);
        expect((await store.getRegisteredModel('churn')).aliases).toEqual([{ alias: 'champion', version: 2 }]);
        expect(await codeOf(store.setAlias('churn', 'v3', 1))).toBe('MODEL_STORE_INVALID');
        expect(await codeOf(store.setAlias('churn', 'x', 9))).toBe('MODEL_STORE_NOT_FOUND');
        expect((await store.listModelVersions({ names: ['churn'] })).items.map((v) => v.version)).toEqual([2, 1]);
        await store.deleteModelVersion('churn', 2);
        expect(await codeOf(store.getModelVersionByAlias('churn', 'champion'))).toBe('MODEL_STORE_NOT_FOUND');
        const v3 = await store.createModelVersion({ name: 'churn', source: 'models:/m-3' });
        expect(v3.version).toBe(3);
        const renamed = await store.updateRegisteredModel('churn', { newName: 'attrition', description: 'renamed' });
        expect(renamed.description).toBe('renamed');
        expect((await store.listModelVersions({ names: ['attrition'] })).items.map((v) => v.version)).toEqual([3, 1]);
        await store.deleteRegisteredModel('attrition');
        expect((await store.listRegisteredModels()).items).toEqual([]);
        expect((await store.listModelVersions()).items).toEqual([]);
      }),
    );

    it(
      "keeps NaN and the infinities as MLflow's SQL store does: NaN in the run, ±MAX_VALUE for ±Infinity, 0 for a model's NaN",
      withStore(async (store) => {
        const experiment = await store.createExperiment('e');
        const run = (await store.createRun({ experimentId: experiment.experimentId })).info.runId;
        const model = await store.createLoggedModel({ experimentId: experiment.experimentId, sourceRunId: run });
        const odd = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0];
        await store.logBatch(run, { metrics: odd.map((value, step) => ({ key: 'odd', value, timestamp: 5, step, modelId: model.modelId })) });
        expect((await store.metricHistory(run, 'odd')).map((m) => m.value)).toEqual([Number.NaN, Number.MAX_VALUE, -Number.MAX_VALUE, 0]);
        expect((await store.getLoggedModel(model.modelId)).metrics.map((m) => m.value)).toEqual([0, Number.MAX_VALUE, -Number.MAX_VALUE, 0]);
        // NaN and 0 at one (timestamp, step) are two points; the first logged stays the latest, as MLflow ties go.
        for (const value of [Number.NaN, 0, Number.NaN]) await store.logBatch(run, { metrics: [{ key: 'tie', value, timestamp: 5, step: 0 }] });
        expect((await store.metricHistory(run, 'tie')).map((m) => m.value)).toEqual([0, Number.NaN]);
        expect((await store.getRun(run)).metrics.map((m) => [m.key, m.value])).toEqual([
          ['odd', 0],
          ['tie', Number.NaN],
        ]);
      }),
    );

    it(
      'deletes experiment tags, and logged models (gone from get and search, kept for allowDeleted) and their tags',
      withStore(async (store) => {
        const experiment = await store.createExperiment('e', { tags: [{ key: 'a', value: '1' }] });
        await store.deleteExperimentTag(experiment.experimentId, 'a');
        expect((await store.getExperiment(experiment.experimentId)).tags).toEqual([]);
        expect(await codeOf(store.deleteExperimentTag(experiment.experimentId, 'a'))).toBe('MODEL_STORE_NOT_FOUND');
        expect(await codeOf(store.deleteExperimentTag('999', 'a'))).toBe('MODEL_STORE_NOT_FOUND');
        const model = await store.createLoggedModel({ experimentId: experiment.experimentId, tags: [{ key: 't', value: 'x' }] });
        await store.deleteLoggedModelTag(model.modelId, 't');
        expect(await codeOf(store.deleteLoggedModelTag(model.modelId, 't'))).toBe('MODEL_STORE_NOT_FOUND');
        await store.deleteLoggedModel(model.modelId);
        expect(await codeOf(store.getLoggedModel(model.modelId))).toBe('MODEL_STORE_NOT_FOUND');
        expect((await store.getLoggedModel(model.modelId, { allowDeleted: true })).modelId).toBe(model.modelId);
        expect((await store.searchLoggedModels({ experimentIds: [experiment.experimentId] })).items).toEqual([]);
        expect(await codeOf(store.deleteLoggedModel('m-nope'))).toBe('MODEL_STORE_NOT_FOUND');
        await store.updateExperiment(experiment.experimentId, { lifecycleStage: 'deleted' });
        await store.setExperimentTag(experiment.experimentId, { key: 'b', value: '2' });
        expect(await codeOf(store.deleteExperimentTag(experiment.experimentId, 'b'))).toBe('MODEL_STORE_INVALID');
      }),
    );

    it(
      "moves versions between stages, archiving the stage's other versions when asked, and refuses unknown stages",
      withStore(async (store) => {
        await store.createRegisteredModel('m');
        for (let i = 0; i < 3; i++) await store.createModelVersion({ name: 'm', source: `models:/m-${i}` });
        expect((await store.getModelVersion('m', 1)).currentStage).toBe('None');
        expect((await store.transitionModelVersionStage('m', 1, 'production')).currentStage).toBe('Production');
        await store.transitionModelVersionStage('m', 2, 'Production');
        await store.transitionModelVersionStage('m', 3, 'PRODUCTION', true);
        expect((await store.listModelVersions({ names: ['m'] })).items.map((v) => [v.version, v.currentStage])).toEqual([
          [3, 'Production'],
          [2, 'Archived'],
          [1, 'Archived'],
        ]);
        expect(await codeOf(store.transitionModelVersionStage('m', 1, 'Bogus'))).toBe('MODEL_STORE_INVALID');
        expect(await codeOf(store.transitionModelVersionStage('m', 1, 'None', true))).toBe('MODEL_STORE_INVALID');
        expect(await codeOf(store.transitionModelVersionStage('m', 9, 'Staging'))).toBe('MODEL_STORE_NOT_FOUND');
        expect(await codeOf(store.transitionModelVersionStage('nope', 1, 'Staging'))).toBe('MODEL_STORE_NOT_FOUND');
      }),
    );

    it(
      'gives consecutive versions to registrations racing on one model',
      withStore(async (store) => {
        await store.createRegisteredModel('race');
        const versions = await Promise.all(Array.from({ length: 12 }, (_, i) => store.createModelVersion({ name: 'race', source: `models:/m-${i}` })));
        expect(versions.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      }),
    );
  });
}
