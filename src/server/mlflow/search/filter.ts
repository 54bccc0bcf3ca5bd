import { searchInvalid, tokenize, type Token } from './tokens.js';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';
export type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';

/** One `key op value` of a filter; a filter is their conjunction (MLflow has no OR for these searches). */
export interface Comparison {
  entity: Entity;
  key: string;
  op: Operator;
  /** A number for numeric keys, a string for text, a list for IN, null for IS [NOT] NULL. */
  value: number | string | string[] | null;
}

/** What a search may filter or order on: which entities, and the attributes with their types. */
export interface SearchSchema {
  entities: ReadonlySet<Entity>;
  attributes: Readonly<Record<string, 'string' | 'number'>>;
  /** Other spellings of attributes (`created` for `start_time`). */
  aliases?: Readonly<Record<string, string>>;
}

/** A key's value in one searched item: undefined when the item has no such metric, param or tag. */
export type ValueOf = (entity: Entity, key: string) => string | number | undefined;

const ENTITY_NAMES: Readonly<Record<string, Entity>> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};

const NUMERIC_OPS: ReadonlySet<Operator> = new Set(['=', '!=', '<', '<=', '>', '>=']);
const TEXT_OPS: ReadonlySet<Operator> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL']);
const STRING_ATTRIBUTE_OPS: ReadonlySet<Operator> = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);

/** Parses and checks a filter against a schema; unknown syntax, keys or operators are INVALID_PARAMETER_VALUE. */
export function parseFilter(filter: string | undefined, schema: SearchSchema): Comparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  const parser = new Parser(tokenize(filter), filter);
  const comparisons: Comparison[] = [];
  do comparisons.push(check(parser.comparison(), schema, filter));
  while (parser.keyword('AND'));
  parser.end();
  return comparisons;
}

export function matches(comparisons: readonly Comparison[], valueOf: ValueOf): boolean {
  return comparisons.every((c) => compare(valueOf(c.entity, c.key), c));
}

/** A parsed key: the entity (attribute when not named) and the key. */
export interface SearchKey {
  entity: Entity;
  key: string;
}

export class Parser {
  private at = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  comparison(): { key: SearchKey; op: Operator; value: Comparison['value'] } {
    const key = this.key();
    const op = this.operator();
    if (op === 'IS NULL' || op === 'IS NOT NULL') return { key, op, value: null };
    if (op === 'IN' || op === 'NOT IN') return { key, op, value: this.list() };
    return { key, op, value: this.value() };
  }

  /** `entity.key` (parts bare, backticked or double-quoted; a key may hold dots) or a bare attribute. */
  key(): SearchKey {
    const parts = [this.keyPart()];
    while (this.punct('.')) parts.push(this.keyPart());
    if (parts.length === 1) return { entity: 'attribute', key: parts[0] as string };
    const entity = ENTITY_NAMES[(parts[0] as string).toLowerCase()];
    if (entity === undefined) throw this.fail(`Invalid entity type '${parts[0] as string}'; use metrics., params., tags. or attributes.`);
    return { entity, key: parts.slice(1).join('.') };
  }

  keyword(word: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind === 'word' && token.text.toUpperCase() === word) {
      this.at++;
      return true;
    }
    return false;
  }

  done(): boolean {
    return this.at >= this.tokens.length;
  }

  end(): void {
    if (!this.done()) throw this.fail(`Unexpected ${describe(this.tokens[this.at] as Token)}`);
  }

  fail(message: string): ReturnType<typeof searchInvalid> {
    return searchInvalid(`${message} in ${JSON.stringify(this.source)}`, this.source);
  }

  private keyPart(): string {
    const token = this.tokens[this.at];
    if (token?.kind === 'word' || (token?.kind === 'quoted' && token.quote !== "'")) {
      this.at++;
      return token.text;
    }
    throw this.fail(token === undefined ? 'Expected a key at the end' : `Expected a key, not ${describe(token)}`);
  }

  private operator(): Operator {
    const token = this.tokens[this.at];
    if (token?.kind === 'op') {
      this.at++;
      return token.text;
    }
    if (this.keyword('LIKE')) return 'LIKE';
    if (this.keyword('ILIKE')) return 'ILIKE';
    if (this.keyword('IN')) return 'IN';
    if (this.keyword('NOT')) {
      if (this.keyword('IN')) return 'NOT IN';
      throw this.fail('Expected IN after NOT');
    }
    if (this.keyword('IS')) {
      const not = this.keyword('NOT');
      if (this.keyword('NULL')) return not ? 'IS NOT NULL' : 'IS NULL';
      throw this.fail('Expected NULL after IS');
    }
    throw this.fail(token === undefined ? 'Expected an operator at the end' : `Expected an operator, not ${describe(token)}`);
  }

  private value(): string | number {
    const token = this.tokens[this.at];
    this.at++;
    if (token?.kind === 'number') return Number(token.text);
    if (token?.kind === 'quoted' && token.quote !== '`') return token.text;
    throw this.fail(token === undefined ? 'Expected a value at the end' : `Expected a quoted string or a number, not ${describe(token)}`);
  }

  private list(): string[] {
    if (!this.punct('(')) throw this.fail("Expected '(' after IN");
    const values: string[] = [];
    do {
      const value = this.value();
      if (typeof value !== 'string') throw this.fail('IN takes a list of quoted strings');
      values.push(value);
    } while (this.punct(','));
    if (!this.punct(')')) throw this.fail("Expected ')' to close the IN list");
    return values;
  }

  private punct(text: string): boolean {
    const token = this.tokens[this.at];
    if (token?.kind === 'punct' && token.text === text) {
      this.at++;
      return true;
    }
    return false;
  }
}

function describe(token: Token): string {
  return token.kind === 'quoted' ? `${token.quote}${token.text}${token.quote}` : `'${token.text}'`;
}

/** The key as the schema names it; INVALID_PARAMETER_VALUE when the schema has no such key. */
export function checkKey(key: SearchKey, schema: SearchSchema, source: string): SearchKey & { type: 'string' | 'number' } {
  if (!schema.entities.has(key.entity)) throw searchInvalid(`This search cannot use ${key.entity}s (in ${JSON.stringify(source)})`, source);
  if (key.entity === 'metric') return { ...key, type: 'number' };
  if (key.entity !== 'attribute') return { ...key, type: 'string' };
  const name = schema.aliases?.[key.key] ?? key.key;
  const type = schema.attributes[name];
  if (type === undefined)
    throw searchInvalid(
      `Invalid attribute key '${key.key}'; valid keys are ${Object.keys(schema.attributes).join(', ')} (in ${JSON.stringify(source)})`,
      source,
    );
  return { entity: 'attribute', key: name, type };
}

function check(parsed: ReturnType<Parser['comparison']>, schema: SearchSchema, source: string): Comparison {
  const key = checkKey(parsed.key, schema, source);
  const allowed = key.type === 'number' ? NUMERIC_OPS : key.entity === 'attribute' ? STRING_ATTRIBUTE_OPS : TEXT_OPS;
  if (!allowed.has(parsed.op)) throw searchInvalid(`Invalid comparator '${parsed.op}' for ${key.entity} '${key.key}' (in ${JSON.stringify(source)})`, source);
  let value = parsed.value;
  if (key.type === 'number') {
    value = typeof value === 'string' && /^-?\d+(?:\.\d+)?$/.test(value) ? Number(value) : value;
    if (typeof value !== 'number') throw searchInvalid(`${key.entity} '${key.key}' is compared with a number (in ${JSON.stringify(source)})`, source);
  } else if (typeof value === 'number') {
    throw searchInvalid(`${key.entity} '${key.key}' is compared with a quoted string (in ${JSON.stringify(source)})`, source);
  }
  return { entity: key.entity, key: key.key, op: parsed.op, value };
}

function compare(actual: string | number | undefined, c: Comparison): boolean {
  if (c.op === 'IS NULL') return actual === undefined;
  if (c.op === 'IS NOT NULL') return actual !== undefined;
  if (actual === undefined) return false;
  const want = c.value;
  switch (c.op) {
    case '=':
      return actual === want;
    case '!=':
      return actual !== want;
    case '<':
      return (actual as number) < (want as number);
    case '<=':
      return (actual as number) <= (want as number);
    case '>':
      return (actual as number) > (want as number);
    case '>=':
      return (actual as number) >= (want as number);
    case 'LIKE':
      return likePattern(want as string, false).test(String(actual));
    case 'ILIKE':
      return likePattern(want as string, true).test(String(actual));
    case 'IN':
      return (want as string[]).includes(String(actual));
    case 'NOT IN':
      return !(want as string[]).includes(String(actual));
  }
}

/** SQL LIKE: `%` any run, `_` one character, everything else literal. */
export function likePattern(pattern: string, ignoreCase: boolean): RegExp {
  const body = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}
