/**
 * Compare two strings by Unicode code point: the order DuckDB gives VARCHAR (its UTF-8 bytes)
 * and Python gives `str`. JavaScript's `<` compares UTF-16 units instead, which puts a
 * character past U+FFFF before U+E000..U+FFFF, so code that sorts in memory to match either uses this.
 */
export function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] as string).codePointAt(0)! - (y[i] as string).codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
