import { TagInvalidError } from './errors.js';

/**
 * The field metadata key holding a column's tags: a JSON array of strings, kept as one string
 * (`"[\"pii\",\"pii:email\"]"`). Delta lets field metadata hold any JSON, but Arrow (through
 * which delta-rs, DuckDB and PyArrow hand a schema to users) keeps string values only, so a
 * string reaches every engine unchanged; a JSON array, unlike a comma list, needs no escaping
 * rule if the tag charset ever grows.
 */
export const TAGS_KEY = 'aquifer.tags';

/** Personal data: `pii`, or `pii:<kind>` for what it is. */
export const PII = 'pii';
/** Not personal, but to be guarded the same way (salaries, health, credentials). */
export const SENSITIVE = 'sensitive';
/** The kinds `pii:<kind>` is meant for; others are allowed, these are the ones tools can rely on. */
export const PII_KINDS = ['email', 'id', 'name', 'phone', 'address', 'birthdate', 'ip', 'location', 'payment', 'government-id'] as const;

export const MAX_TAG_LENGTH = 64;
export const MAX_TAGS_PER_COLUMN = 16;

/** Lower-case words of letters, digits, `_` and `-`, optionally `namespace:value` (one colon). */
const TAG_PATTERN = /^[a-z][a-z0-9_-]*(:[a-z0-9][a-z0-9_-]*)?$/;

/** Whether a tag marks personal data: `pii` or `pii:<kind>`. */
export function isPii(tag: string): boolean {
  return tag === PII || tag.startsWith(`${PII}:`);
}

/**
 * Whether a tag follows the data into what is derived from the column: personal data and
 * `sensitive` do (a hash of an email is still about that person); custom tags describe
 * the column itself (an owner, a source system) and stay on it.
 */
export function flowsToDerived(tag: string): boolean {
  return isPii(tag) || tag === SENSITIVE;
}

/** A tag as given, checked and normalized (trimmed, lower-cased). */
export function checkTag(tag: string): string {
  const normalized = tag.trim().toLowerCase();
  if (normalized.length > MAX_TAG_LENGTH)
    throw new TagInvalidError('GOVERNANCE_TAG_INVALID', `The tag '${tag.slice(0, 80)}' is longer than ${MAX_TAG_LENGTH} characters`, tag, 'Use a shorter tag.');
  if (!TAG_PATTERN.test(normalized))
    throw new TagInvalidError(
      'GOVERNANCE_TAG_INVALID',
      `'${tag}' is not a valid tag`,
      tag,
      `Tags are letters, digits, '_' and '-', starting with a letter, with at most one ':' (pii, pii:email, sensitive, team:growth).`,
    );
  return normalized;
}

/** A column's tags as stored in its field metadata; a value that is not a JSON array of strings counts as none. */
export function tagsOf(metadata: Readonly<Record<string, unknown>>): string[] {
  const stored = metadata[TAGS_KEY];
  if (typeof stored !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === 'string') : [];
  } catch {
    return [];
  }
}

/** The field metadata with these tags (sorted, without duplicates); no tags removes the key, leaving every other key as it was. */
export function withTags(metadata: Readonly<Record<string, unknown>>, tags: readonly string[], column: string): Record<string, unknown> {
  const unique = [...new Set(tags)].sort();
  if (unique.length > MAX_TAGS_PER_COLUMN)
    throw new TagInvalidError(
      'GOVERNANCE_TAG_LIMIT',
      `Column ${column} would have ${unique.length} tags, more than ${MAX_TAGS_PER_COLUMN}`,
      unique,
      'Remove tags it no longer needs first (aquifer table tag --remove).',
    );
  const { [TAGS_KEY]: _old, ...rest } = metadata;
  return unique.length === 0 ? rest : { ...rest, [TAGS_KEY]: JSON.stringify(unique) };
}
