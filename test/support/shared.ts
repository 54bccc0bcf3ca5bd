import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root. */
export const REPO_ROOT = path.resolve(here, '..', '..');

/** `../shared` beside the checkout: conformance data nobody here wrote. */
export const SHARED_DIR = path.resolve(REPO_ROOT, '..', 'shared');
export const GOLDEN_DIR = path.join(SHARED_DIR, 'conformance', 'delta-golden');

/** Under AQUIFER_REQUIRE_SERVICES=1 (CI), a missing prerequisite fails instead of skipping. */
export const REQUIRE_SERVICES = process.env['AQUIFER_REQUIRE_SERVICES'] === '1';

/**
 * Whether a test that needs `what` can run. Missing it skips with a printed reason,
 * or, under AQUIFER_REQUIRE_SERVICES=1, throws so the run fails.
 */
export function available(what: string, present: boolean): boolean {
  if (present) return true;
  const reason = `${what} is not available`;
  if (REQUIRE_SERVICES) throw new Error(`${reason}, and AQUIFER_REQUIRE_SERVICES=1 forbids skipping`);
  console.warn(`skipping: ${reason}`);
  return false;
}

export const goldenAvailable = (): boolean => available(`the shared golden tables at ${GOLDEN_DIR}`, existsSync(path.join(GOLDEN_DIR, 'MANIFEST.tsv')));
