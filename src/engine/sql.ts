/** Quote an identifier for DuckDB SQL, whatever characters it holds. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quote a string literal for DuckDB SQL. DuckDB's parser ends the statement text at a NUL,
 * so a value holding one is spelled as a constant expression joining the pieces with chr(0).
 */
export function quoteLiteral(value: string): string {
  if (!value.includes('\0')) return `'${value.replaceAll("'", "''")}'`;
  // One flat concat (not a chain of ||, whose nesting DuckDB binds in time that grows steeply).
  return `concat(${value
    .split('\0')
    .map((part) => `'${part.replaceAll("'", "''")}'`)
    .join(', chr(0), ')})`;
}

/** A SQL list literal of string values: `['a', 'b']`. */
export function quoteLiteralList(values: readonly string[]): string {
  return `[${values.map(quoteLiteral).join(', ')}]`;
}

/**
 * A DuckDB JSON path selecting one object key, whatever characters it holds: `$."key"`
 * with backslash and double quote escaped (an unescaped trailing backslash is a binder error).
 */
export function jsonPathKey(key: string): string {
  return quoteLiteral(`$."${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
}
