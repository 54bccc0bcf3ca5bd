import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/index.js';
import { FeatureRegistry, openAppliedFeatureStore, type FeatureRepository } from '../../../src/features/index.js';
import { Project } from '../../../src/project/index.js';
import { DeltaTable } from '../../../src/table/index.js';
import { tempDir } from '../../support/temp.js';

let engine: Engine;
let project: Project;

const base = (): FeatureRepository => ({
  entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
  featureViews: [
    {
      name: 'stats',
      entities: ['driver'],
      source: { kind: 'table', table: 'stats', timestampField: 'ts' },
      features: [{ name: 'rate', type: 'double' }],
      ttl: '1d',
    },
  ],
  featureServices: [{ name: 'svc', features: ['stats:rate'] }],
});

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
  project = await Project.init(await tempDir('aquifer-registry-'));
  await DeltaTable.create(project.tablePath('stats'), {
    engine,
    data: { sql: `SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS ts, 0.5::DOUBLE AS rate, 'x' AS label` },
  });
});
afterAll(() => engine.close());

describe('the feature registry', () => {
  it('records a first version, nothing when unchanged, and a new version with the changes named', async () => {
    const registry = new FeatureRegistry(project);
    const first = await registry.apply(base(), engine);
    expect(first.entry.version).toBe(1);
    expect(first.plan.added.sort()).toEqual(['entity driver', 'feature service svc', 'feature view stats']);
    expect((await registry.apply(base(), engine)).entry.version).toBe(1);
    const changed = base();
    changed.featureViews = [{ ...changed.featureViews[0]!, ttl: '2d' }];
    changed.featureServices = [];
    const plan = await registry.plan(changed, engine);
    expect(plan).toEqual({ added: [], changed: ['feature view stats'], removed: ['feature service svc'], nextVersion: 2, problems: [] });
    expect((await registry.apply(changed, engine)).entry.version).toBe(2);
    expect((await registry.get(1)).repository).toEqual(base());
  });

  it('refuses a version that was never applied with a typed error listing the applied ones', async () => {
    const registry = new FeatureRegistry(project);
    await registry.apply(base(), engine);
    await expect(registry.get(99)).rejects.toMatchObject({
      code: 'FEATURE_REGISTRY_VERSION_NOT_FOUND',
      value: 99,
      hint: expect.stringMatching(/Applied versions: 1/),
    });
  });

  it.each([
    ['a duplicate name', 'FEATURE_DEFINITION_DUPLICATE', (r: FeatureRepository) => ({ ...r, featureServices: [{ name: 'stats', features: ['stats:rate'] }] })],
    [
      'an undefined entity',
      'FEATURE_DEFINITION_UNKNOWN_ENTITY',
      (r: FeatureRepository) => ({ ...r, featureViews: [{ ...r.featureViews[0]!, entities: ['rider'] }] }),
    ],
    [
      'a missing table',
      'FEATURE_DEFINITION_UNKNOWN_TABLE',
      (r: FeatureRepository) => ({ ...r, featureViews: [{ ...r.featureViews[0]!, source: { kind: 'table' as const, table: 'nope', timestampField: 'ts' } }] }),
    ],
    [
      'an unknown column',
      'FEATURE_DEFINITION_UNKNOWN_COLUMN',
      (r: FeatureRepository) => ({ ...r, featureViews: [{ ...r.featureViews[0]!, features: [{ name: 'speed', type: 'double' as const }] }] }),
    ],
    [
      'a wrong type',
      'FEATURE_DEFINITION_TYPE_MISMATCH',
      (r: FeatureRepository) => ({ ...r, featureViews: [{ ...r.featureViews[0]!, features: [{ name: 'label', type: 'long' as const }] }] }),
    ],
    [
      'a time column that is not a timestamp',
      'FEATURE_DEFINITION_TYPE_MISMATCH',
      (r: FeatureRepository) => ({
        ...r,
        featureViews: [{ ...r.featureViews[0]!, source: { kind: 'table' as const, table: 'stats', timestampField: 'label' } }],
      }),
    ],
    ['a bad TTL', 'FEATURE_DEFINITION_TTL_INVALID', (r: FeatureRepository) => ({ ...r, featureViews: [{ ...r.featureViews[0]!, ttl: 'forever' }] })],
    [
      'a service naming an unknown feature',
      'FEATURE_DEFINITION_UNKNOWN_FEATURE',
      (r: FeatureRepository) => ({ ...r, featureServices: [{ name: 'svc', features: ['stats:nope'] }] }),
    ],
  ])('refuses %s with %s and records nothing', async (_, code, mutate) => {
    const registry = new FeatureRegistry(project);
    const before = (await registry.latest())?.version;
    await expect(registry.apply(mutate(base()), engine)).rejects.toMatchObject({ code });
    expect((await registry.latest())?.version).toBe(before);
  });

  it.each([
    ['cut short', (text: string) => text.slice(0, 40), '(the whole document)'],
    ['with a misspelt type', (text: string) => text.replace('"type": "double"', '"type": "float64"'), 'repository.featureViews[0].features[0].type'],
    ['without its feature views', (text: string) => text.replace('"featureViews"', '"featureViewz"'), 'repository.featureViews'],
    ['with a version that is not a number', (text: string) => text.replace(/"version": \d+/, '"version": "1"'), 'version'],
  ])('refuses a registry file %s with FEATURE_REGISTRY_INVALID naming the file and field', async (_, edit, field) => {
    const copy = await Project.init(await tempDir('aquifer-registry-edited-'));
    const applied = await new FeatureRegistry(project).latest();
    const dir = path.join(copy.root, '.aquifer', 'registry');
    await mkdir(dir, { recursive: true });
    const text = await readFile(path.join(project.root, '.aquifer', 'registry', `v${applied!.version}.json`), 'utf8');
    await writeFile(path.join(dir, 'v1.json'), edit(text));
    const expected = { code: 'FEATURE_REGISTRY_INVALID', value: { file: path.join('.aquifer', 'registry', 'v1.json'), field } };
    await expect(new FeatureRegistry(copy).latest()).rejects.toMatchObject(expected);
    await expect(openAppliedFeatureStore(copy, engine, undefined)).rejects.toMatchObject(expected);
  });
});
