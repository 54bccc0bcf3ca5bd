import { describe, expect, it } from 'vitest';
import { AssetRunLaunches } from '../../src/server/asset-routes.js';

describe('the runs POST /v1/runs keeps in flight', () => {
  it('frees a slot for good once its launch released it, even when the launch is named after it ended', async () => {
    const launches = new AssetRunLaunches(1);
    const release = launches.admit('daily', '2026-12-01');
    // The run ended (and released) before the route got to name it.
    release();
    launches.add({ id: 'r1', asset: 'daily', partition: '2026-12-01', done: Promise.resolve() });
    await launches.idle();
    expect(() => launches.admit('daily', '2026-12-01')).not.toThrow();
  });

  it('refuses a second launch of the same asset and partition, and one past the limit', () => {
    const launches = new AssetRunLaunches(1);
    launches.admit('daily', '2026-12-01');
    expect(() => launches.admit('daily', '2026-12-01')).toThrow(expect.objectContaining({ code: 'ASSET_RUN_IN_PROGRESS' }));
    expect(() => launches.admit('weekly', undefined)).toThrow(expect.objectContaining({ code: 'ASSET_RUN_LIMIT_REACHED' }));
  });
});
