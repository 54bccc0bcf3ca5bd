import { describe, expect, it } from 'vitest';
import { canonicalTarget } from '../../../src/server/pipeline/canonical-path.js';

describe('canonicalTarget', () => {
  it('gives every spelling of a path the same canonical path', () => {
    for (const raw of ['/get-online-features', '/%67et-online-features', '//get-online-features', '/get-online-features/', '/%67%65%74-online-features//']) {
      expect(canonicalTarget(raw).path, raw).toBe('/get-online-features');
    }
    expect(canonicalTarget('http://example.com/push?x=1')).toEqual({ path: '/push', url: '/push?x=1' });
  });

  it('keeps the query and re-encodes segments for the router', () => {
    expect(canonicalTarget('/v1/ingest/%65vents?a=%2F')).toEqual({ path: '/v1/ingest/events', url: '/v1/ingest/events?a=%2F' });
    expect(canonicalTarget('/v1/ingest/a%20b').url).toBe('/v1/ingest/a%20b');
  });

  it('refuses dot segments, broken escapes, control characters and backslashes', () => {
    for (const raw of ['/v1/../push', '/v1/%2E%2E/push', '/./push', '/push%zz', '/push%00', '/a%5cb', 'push', '*']) {
      expect(() => canonicalTarget(raw), raw).toThrow(expect.objectContaining({ code: 'HTTP_PATH_INVALID' }));
    }
  });
});
