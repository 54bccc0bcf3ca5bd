import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';
import type { Project } from './project.js';

/** The project's masking key: 32 random bytes, hex, in `.aquifer/masking-salt` (mode 0600). */
export function saltFile(project: Project): string {
  return path.join(project.root, '.aquifer', 'masking-salt');
}

/**
 * The project's masking key, made on first use. It stays the same for the project's life,
 * so a hashed key is the same in every table, lookup and training set and joins on it still
 * match; whoever holds it can test guesses against hashes, hence 0600. The key is written
 * whole to a temp file and synced, then linked into place: `link` creates without replacing,
 * so of two processes making it at once one wins and the other reads its key, and a process
 * killed mid-write leaves only a temp file, never a short key that blocks the project.
 */
export async function projectSalt(project: Project): Promise<Buffer> {
  const file = saltFile(project);
  const existing = await readSalt(file);
  if (existing !== undefined) return existing;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(32).toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temp, file);
      await syncDir(path.dirname(file));
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
  } finally {
    await fs.rm(temp, { force: true });
  }
  // Read back rather than trust the bytes written: a racing writer's key is the one that stays.
  const salt = await readSalt(file);
  if (salt !== undefined) return salt;
  throw new AquiferError('GOVERNANCE_SALT_INVALID', "The project's masking key is not 64 hex digits", {
    value: path.relative(project.root, file),
    hint: 'Restore .aquifer/masking-salt from a backup: a new key changes every hashed value, so joins with values hashed before stop matching.',
  });
}

/** The link made durable: a key lost on power failure after values were hashed with it would be replaced by another. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readSalt(file: string): Promise<Buffer | undefined> {
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    // The file only ever appears whole (linked from a synced temp file): anything else is damage.
    return /^[0-9a-f]{64}$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}
