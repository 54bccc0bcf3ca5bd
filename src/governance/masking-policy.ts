import { flowsToDerived } from './tags.js';

/** How a masked value is shown: a keyed hash (joins still match), null, or a fixed string. */
import { MASK_STRATEGIES, type MaskStrategy } from '../table/index.js';

export { MASK_STRATEGIES, type MaskStrategy };

/** Tag (`pii`, `pii:email`, `sensitive`, any custom tag) to strategy: the project's `governance.masking`. */
export type MaskingPolicy = Readonly<Record<string, MaskStrategy>>;

/**
 * The scope a token needs to read tagged columns in the clear. It is a grant, not a name:
 * a token's other scopes still limit which tables and views it touches, and a token whose
 * only scopes are grants touches everything its role allows.
 */
export const PII_SCOPE = 'pii';

/** Scopes that grant something rather than name a table, view, source or model. */
export const GRANT_SCOPES: ReadonlySet<string> = new Set([PII_SCOPE]);

/** Who reads: a token's scopes (the server's Principal fits), or a CLI user who opted out of masking. */
export interface Reader {
  /** A caller without a token (the server's anonymous access): it holds no scope. */
  readonly anonymous?: boolean;
  readonly scopes?: readonly string[] | undefined;
  /** The OS user asked for clear values (`aquifer table read --unmasked`), which is recorded. */
  readonly unmasked?: boolean;
}

/**
 * Whether a reader sees clear values. Only a token holding the `pii` scope, or a CLI user
 * who opts in: a token without scopes (all tables) still gets masked values, and so does an
 * admin token and an anonymous caller, since personal data is a grant of its own, not a
 * consequence of the right to read tables or to administer the server.
 */
export function readsClear(reader: Reader | undefined): boolean {
  if (reader === undefined || reader.anonymous === true) return false;
  return reader.unmasked === true || (reader.scopes?.includes(PII_SCOPE) ?? false);
}

/** Strength when two equally specific rules apply: the one that shows less wins. */
const STRENGTH: Record<MaskStrategy, number> = { hash: 0, redact: 1, null: 2 };

/**
 * The strategy for a column with these tags, or undefined when nothing masks it. Each tag
 * is matched by the most specific rule: its own entry (`pii:email`), then its namespace's
 * (`pii` for `pii:email`), then the default for personal and sensitive tags (hash). The
 * most specific match over all the tags wins; between equally specific ones, the one that
 * shows less (null over redact over hash).
 */
export function maskStrategy(tags: readonly string[], policy: MaskingPolicy = {}): MaskStrategy | undefined {
  let best: { specificity: number; strategy: MaskStrategy } | undefined;
  for (const tag of tags) {
    const namespace = tag.includes(':') ? tag.slice(0, tag.indexOf(':')) : undefined;
    const own = policy[tag];
    const inherited = namespace === undefined ? undefined : policy[namespace];
    const match =
      own !== undefined
        ? { specificity: 2, strategy: own }
        : inherited !== undefined
          ? { specificity: 1, strategy: inherited }
          : flowsToDerived(tag)
            ? { specificity: 0, strategy: 'hash' as const }
            : undefined;
    if (match === undefined) continue;
    if (
      best === undefined ||
      match.specificity > best.specificity ||
      (match.specificity === best.specificity && STRENGTH[match.strategy] > STRENGTH[best.strategy])
    )
      best = match;
  }
  return best?.strategy;
}
