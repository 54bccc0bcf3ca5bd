/**
 * The text of each element of a JSON array, exactly as written: the quarantine keeps a
 * record's own bytes, and numbers keep every digit (re-serializing parsed values would
 * turn 2^53 + 1 into 2^53 and 1e400 into null). The text must already be valid JSON
 * (JSON.parse accepted it) and an array; this only finds where elements start and end.
 */
export function jsonArrayElements(text: string): string[] {
  const elements: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth === 1) {
        start = i + 1;
        continue;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 0) {
        push(elements, text.slice(start, i));
        break;
      }
    } else if (c === 0x2c && depth === 1) {
      push(elements, text.slice(start, i));
      start = i + 1;
    }
  }
  return elements;
}

/** JSON whitespace (space, tab, CR, LF) around an element is not part of it. */
function push(elements: string[], slice: string): void {
  const element = slice.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  // `[]` has no element; any other empty slice cannot occur in valid JSON.
  if (element !== '') elements.push(element);
}
