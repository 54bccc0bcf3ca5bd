import type { ListOptions, ObjectMeta } from './object-store.js';

/** Whether a listed page already holds an object that ends a `takeWhile` listing, so no later page is needed. */
export function pageEndsListing(page: readonly ObjectMeta[], options: ListOptions): boolean {
  const { takeWhile } = options;
  return takeWhile !== undefined && page.some((object) => !takeWhile(object));
}

/**
 * The listing up to the first object `takeWhile` refuses, from objects sorted by key. Stores
 * list pages in byte order, which is the key order here for the ASCII names a Delta log has.
 */
export function takeWhileListed(sorted: ObjectMeta[], options: ListOptions): ObjectMeta[] {
  const { takeWhile } = options;
  if (takeWhile === undefined) return sorted;
  const end = sorted.findIndex((object) => !takeWhile(object));
  return end === -1 ? sorted : sorted.slice(0, end);
}
