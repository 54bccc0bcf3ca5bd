import { describe, expect, it } from 'vitest';
import { AquiferError } from '../../src/errors.js';
import { engineFromEnvironment } from '../../src/engine/shared-engine.js';

describe('the shared engine', () => {
  it("takes DuckDB's memory_limit from AQUIFER_MEMORY_LIMIT", async () => {
    const engine = await engineFromEnvironment({ AQUIFER_MEMORY_LIMIT: '1.5GiB' });
    try {
      expect(await engine.query("SELECT current_setting('memory_limit') AS limit")).toEqual([{ limit: '1.5 GiB' }]);
    } finally {
      engine.close();
    }
  });

  it('names a memory limit DuckDB cannot read, with a hint, rather than failing inside DuckDB', async () => {
    const error = await engineFromEnvironment({ AQUIFER_MEMORY_LIMIT: 'lots' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AquiferError);
    expect(error).toMatchObject({ code: 'ENGINE_SETTING_INVALID', value: { AQUIFER_MEMORY_LIMIT: 'lots' } });
    expect((error as AquiferError).hint).toContain('512MB');
  });
});
