import { AquiferError } from '../../errors.js';

export interface CanonicalTarget {
  /** Decoded, with single slashes and no trailing slash: what routes match against. */
  path: string;
  /** The same path re-encoded segment by segment, with the query: what the router is handed. */
  url: string;
}

/**
 * One spelling per path, worked out once before routing, so that `/%67et-online-features`,
 * `//get-online-features/` and `/get-online-features` all reach the same route and the same
 * limits. Dot segments and undecodable escapes are refused rather than guessed at.
 */
export function canonicalTarget(rawUrl: string): CanonicalTarget {
  let raw = rawUrl;
  // Absolute-form request targets (`POST http://host/path`) are legal HTTP; route on their path.
  if (/^https?:\/\//i.test(raw)) raw = raw.replace(/^https?:\/\/[^/?#]*/i, '') || '/';
  const queryAt = raw.indexOf('?');
  const rawPath = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const query = queryAt === -1 ? '' : raw.slice(queryAt);
  if (!rawPath.startsWith('/')) throw invalid(rawPath);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw invalid(rawPath);
  }
  // eslint-disable-next-line no-control-regex -- control characters are what this refuses
  if (/[\u0000-\u001f\\]/.test(decoded)) throw invalid(rawPath);
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) throw invalid(rawPath);
  return { path: `/${segments.join('/')}`, url: `/${segments.map(encodeURIComponent).join('/')}${query}` };
}

function invalid(rawPath: string): AquiferError {
  return new AquiferError('HTTP_PATH_INVALID', 'The request path cannot be used', {
    value: rawPath.slice(0, 200),
    hint: 'Send a plain path such as /v1/ingest/events, without dot segments or broken %-escapes.',
  });
}
