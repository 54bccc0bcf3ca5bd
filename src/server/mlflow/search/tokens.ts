import { AquiferError } from '../../../errors.js';

export type Token =
  | { kind: 'word'; text: string }
  /** A quoted run of text: `'…'` and `"…"` are strings (or a key after a dot), `` `…` `` a key. */
  | { kind: 'quoted'; quote: "'" | '"' | '`'; text: string }
  | { kind: 'number'; text: string }
  | { kind: 'op'; text: '=' | '!=' | '<' | '<=' | '>' | '>=' }
  | { kind: 'punct'; text: '(' | ')' | ',' | '.' };

/** The tokens of an MLflow search filter or order-by clause. */
export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'" || c === '"' || c === '`') {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= input.length) throw searchInvalid(`Unterminated ${c} in ${JSON.stringify(input)}`, input);
        const d = input[j] as string;
        if (d === '\\' && j + 1 < input.length) {
          text += input[j + 1];
          j += 2;
        } else if (d === c && input[j + 1] === c) {
          text += c;
          j += 2;
        } else if (d === c) break;
        else {
          text += d;
          j++;
        }
      }
      tokens.push({ kind: 'quoted', quote: c, text });
      i = j + 1;
    } else if (/[-\d]/.test(c) && /^-?\d/.test(input.slice(i, i + 2))) {
      const match = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(input.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'number', text: match[0] });
      i += match[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_]\w*/.exec(input.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    } else if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = input.slice(i, i + 2);
      const op = two === '!=' || two === '<=' || two === '>=' ? two : two === '<>' ? '!=' : c === '!' ? undefined : c;
      if (op === undefined) throw searchInvalid(`Unexpected '!' in ${JSON.stringify(input)}`, input);
      tokens.push({ kind: 'op', text: op as '=' });
      i += op.length === 2 || two === '<>' ? 2 : 1;
    } else if (c === '(' || c === ')' || c === ',' || c === '.') {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      throw searchInvalid(`Unexpected character ${JSON.stringify(c)} in ${JSON.stringify(input)}`, input);
    }
  }
  return tokens;
}

export function searchInvalid(message: string, value: string): AquiferError {
  return new AquiferError('HTTP_BODY_INVALID', message, {
    value: value.slice(0, 200),
    hint: "Use MLflow's search syntax: metrics.acc > 0.9 and params.lr = '0.1' and tags.team LIKE 'ml%' and attributes.status = 'FINISHED'.",
  });
}
