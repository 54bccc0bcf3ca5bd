import { AquiferError } from '../../errors.js';
import type { ServerLimits } from './limits.js';

/**
 * Refuses a body nested deeper than `limits.depth` or holding more than `limits.records`
 * records, in one pass over the text and before anything parses it: a parser recursing 5,000
 * levels deep, or a million records expanded into objects, would block the event loop or fail
 * with an internal error. Records are array elements at any depth, or non-empty NDJSON lines.
 * Strings are skipped (brackets inside them do not count); syntax is left to the parser.
 */
export function checkJsonShape(text: string, limits: Pick<ServerLimits, 'depth' | 'records'>, ndjson: boolean): void {
  let depth = 0;
  let records = 0;
  let inString = false;
  let lineHasValue = false;
  // For each open array, whether it has an element yet (a `[]` holds none).
  const arrayHasElement: boolean[] = [];
  const inArray: boolean[] = [];
  const count = () => {
    records++;
    if (records > limits.records)
      throw new AquiferError('HTTP_TOO_MANY_RECORDS', `The body holds more than ${limits.records} records`, {
        value: limits.records,
        hint: 'Split the records over several requests, or raise server.limits.records in aquifer.json.',
      });
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 10 /* \n */) {
      if (ndjson && lineHasValue && depth === 0) count();
      if (depth === 0) lineHasValue = false;
      continue;
    }
    if (c === 32 || c === 9 || c === 13) continue;
    // The first value inside an array makes it non-empty: that is one element; each comma at array level adds one.
    if (inArray[depth - 1] === true && arrayHasElement[depth - 1] === false && c !== 93 /* ] */) {
      arrayHasElement[depth - 1] = true;
      count();
    }
    lineHasValue = true;
    if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
      if (depth > limits.depth)
        throw new AquiferError('HTTP_BODY_TOO_DEEP', `The body nests deeper than ${limits.depth} levels`, {
          value: limits.depth,
          hint: 'Flatten the data, or raise server.limits.depth in aquifer.json.',
        });
      inArray[depth - 1] = c === 91;
      arrayHasElement[depth - 1] = false;
    } else if (c === 93 || c === 125 /* } */) {
      if (depth > 0) depth--;
    } else if (c === 44 /* , */ && inArray[depth - 1] === true) arrayHasElement[depth - 1] = false;
  }
  if (ndjson && lineHasValue) count();
}
