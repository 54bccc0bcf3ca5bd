import { expect } from 'vitest';

/** A report stands alone: one HTML document, no script, nothing fetched from anywhere. */
export function expectSelfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html.match(/<html/g)).toHaveLength(1);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
  expect(html).not.toMatch(/\b(src|href)\s*=\s*"(?!#)/i);
  expect(html).not.toMatch(/url\(|@import/i);
  // The only URL is SVG's namespace name, which is never fetched.
  expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:\/\//);
}
