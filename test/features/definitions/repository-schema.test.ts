import { describe, expect, it } from 'vitest';
import { checkShape } from '../../../src/features/index.js';

const valid = () => ({
  entities: [{ name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] }],
  featureViews: [
    {
      name: 'stats',
      entities: ['driver'],
      source: { kind: 'table', table: 'stats', timestampField: 'ts' },
      features: [{ name: 'rate', type: 'double' }],
      ttl: '1d',
    },
    {
      name: 'activity',
      entities: ['driver'],
      source: { kind: 'table', table: 'events', timestampField: 'ts' },
      aggregation: { interval: '5m', aggregations: [{ function: 'count', window: '1h' }] },
    },
  ],
});

describe('the shape of a definitions file', () => {
  it('accepts a valid file and fills in the features of aggregation views', () => {
    const repository = checkShape(valid(), 'features.json');
    expect(repository.featureViews.map((v) => v.features.map((f) => f.name))).toEqual([['rate'], ['count_1h']]);
  });

  it.each([
    ['a TTL that is neither text nor seconds', (r: ReturnType<typeof valid>) => Object.assign(r.featureViews[0]!, { ttl: true }), 'featureViews[0].ttl'],
    ['a misspelt key', (r: ReturnType<typeof valid>) => Object.assign(r.featureViews[1]!, { tll: '1d' }), 'featureViews[1]'],
    [
      'an unknown feature type',
      (r: ReturnType<typeof valid>) => Object.assign(r.featureViews[0]!.features![0]!, { type: 'int64' }),
      'featureViews[0].features[0].type',
    ],
    [
      'a source that is not a table',
      (r: ReturnType<typeof valid>) => Object.assign(r.featureViews[0]!.source, { kind: 'kafka' }),
      'featureViews[0].source.kind',
    ],
    [
      'a view with neither features nor an aggregation',
      (r: ReturnType<typeof valid>) => Reflect.deleteProperty(r.featureViews[0]!, 'features'),
      'featureViews[0].features',
    ],
    ['an entity without join keys', (r: ReturnType<typeof valid>) => Object.assign(r.entities[0]!, { joinKeys: [] }), 'entities[0].joinKeys'],
    [
      'an unknown aggregation function',
      (r: ReturnType<typeof valid>) => Object.assign(r.featureViews[1]!.aggregation!.aggregations[0]!, { function: 'median' }),
      'featureViews[1].aggregation.aggregations[0].function',
    ],
  ])('refuses %s with FEATURE_DEFINITION_SHAPE_INVALID naming the field', (_, mutate, field) => {
    const file = valid();
    mutate(file);
    expect(() => checkShape(file, 'features.json')).toThrow(
      expect.objectContaining({ code: 'FEATURE_DEFINITION_SHAPE_INVALID', value: { file: 'features.json', field } }),
    );
  });

  it('refuses a file that is not an object, and two views of one name', () => {
    expect(() => checkShape([], 'features.json')).toThrow(expect.objectContaining({ code: 'FEATURE_DEFINITION_SHAPE_INVALID' }));
    const twice = valid();
    twice.featureViews[1]!.name = 'stats';
    expect(() => checkShape(twice, 'features.json')).toThrow(expect.objectContaining({ code: 'FEATURE_DEFINITION_DUPLICATE' }));
  });
});
