import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore, artifactsLocation } from '../../../src/models/index.js';
import { Project } from '../../../src/project/index.js';
import { tempDir } from '../../support/temp.js';

let local: Project;
let s3: Project;

beforeAll(async () => {
  const dir = await tempDir('aquifer-artifact-store-');
  local = await Project.init(path.join(dir, 'local'));
  s3 = await Project.init(path.join(dir, 's3'), 's3', { storage: 's3://lake/shop/' });
});
afterAll(() => {
  local?.close();
  s3?.close();
});

describe('ArtifactStore', () => {
  it('keeps a local project’s artifacts in .aquifer/artifacts and an object-storage project’s beside its tables, in _artifacts', () => {
    expect(artifactsLocation(local)).toBe(path.join(local.root, '.aquifer', 'artifacts'));
    expect(artifactsLocation(s3)).toBe('s3://lake/shop/_artifacts');
    expect(s3.tablePath('events')).toBe('s3://lake/shop/events');
  });

  it('answers a missing file and a folder as not found, never as a storage failure', async () => {
    const artifacts = ArtifactStore.forProject(local);
    await artifacts.put('1/run/artifacts/model/model.onnx', 'bytes');
    expect(Buffer.from(await artifacts.get('1/run/artifacts/model/model.onnx')).toString()).toBe('bytes');
    for (const missing of ['1/run/artifacts/nope', '1/run/artifacts/model']) {
      expect(await artifacts.find(missing)).toBeUndefined();
      await expect(artifacts.get(missing)).rejects.toMatchObject({ code: 'MODEL_ARTIFACT_NOT_FOUND' });
    }
    await expect(artifacts.get('1/../etc/passwd')).rejects.toMatchObject({ code: 'MODEL_ARTIFACT_PATH_INVALID' });
  });
});
