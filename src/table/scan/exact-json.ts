/**
 * JSON.parse, but every number comes back as its exact text (a string), so 38-digit
 * decimals and 64-bit integers in statistics keep every digit. A small scanner quotes
 * number tokens outside strings before parsing.
 */
export function parseJsonKeepingNumbers(text: string): unknown {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      const start = i++;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, ++i);
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const start = i++;
      while (i < text.length && /[0-9eE+\-.]/.test(text[i] as string)) i++;
      out += `"${text.slice(start, i)}"`;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

/** The value at a path of object keys, or undefined. */
export function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
