import { describe, expect, it } from 'vitest';
import type { ServerConfig } from '../../../src/project/index.js';
import { DEFAULT_LIMITS, serverSettings } from '../../../src/server/pipeline/limits.js';

describe('serverSettings', () => {
  it('refuses anonymous calls and uses the default limits when the project says nothing', () => {
    expect(serverSettings(undefined)).toEqual({ anonymous: 'off', limits: DEFAULT_LIMITS });
    expect(DEFAULT_LIMITS).toMatchObject({ requestTimeoutMs: 60_000, concurrentRequests: 64 });
  });

  it("takes the project's server section over the defaults, and overrides over both", () => {
    const config: ServerConfig = { anonymous: 'loopback', limits: { depth: 8, records: 10, requestTimeoutMs: 5_000 } };
    expect(serverSettings(config)).toEqual({ anonymous: 'loopback', limits: { ...DEFAULT_LIMITS, depth: 8, records: 10, requestTimeoutMs: 5_000 } });
    expect(serverSettings(config, { anonymous: 'off', limits: { records: 20, concurrentRequests: 4 } })).toEqual({
      anonymous: 'off',
      limits: { ...DEFAULT_LIMITS, depth: 8, records: 20, requestTimeoutMs: 5_000, concurrentRequests: 4 },
    });
  });

  it('refuses unknown access modes, unknown limits and limits that are not positive whole numbers', () => {
    const bad = [
      { anonymous: 'everyone' },
      { limits: { bodySize: 1 } },
      { limits: { depth: 0 } },
      { limits: { records: 1.5 } },
      { limits: { bodyBytes: '1' } },
      { limits: { requestTimeoutMs: 0 } },
      { limits: { requestTimeoutMs: -1 } },
      { limits: { concurrentRequests: 0 } },
      { limits: { concurrentRequests: 1.5 } },
    ];
    for (const config of bad)
      expect(() => serverSettings(config as ServerConfig), JSON.stringify(config)).toThrow(expect.objectContaining({ code: 'SERVER_CONFIG_INVALID' }));
  });
});
