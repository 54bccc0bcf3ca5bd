import { searchInvalid } from './tokens.js';

/**
 * A page of results filtered and sorted here, with MLflow's kind of token: base64 JSON of the
 * offset. A token only means something to the same search.
 */
export function pageOf<T>(items: readonly T[], maxResults: number, pageToken: string | undefined): { items: T[]; nextPageToken?: string } {
  const offset = offsetOf(pageToken);
  const page = items.slice(offset, offset + maxResults);
  const next = offset + page.length;
  return next < items.length ? { items: page, nextPageToken: Buffer.from(JSON.stringify({ offset: next })).toString('base64') } : { items: page };
}

function offsetOf(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const offset = (JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown }).offset;
    if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return offset;
  } catch {
    // falls through to the error
  }
  throw searchInvalid('Invalid page token', token);
}

/** Every item of a store search, page after page. */
export async function everyPage<T>(search: (pageToken: string | undefined) => Promise<{ items: T[]; nextPageToken?: string }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await search(token);
    all.push(...page.items);
    token = page.nextPageToken;
  } while (token !== undefined && token !== '');
  return all;
}
