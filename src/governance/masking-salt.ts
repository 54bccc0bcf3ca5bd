import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';
import type { Project } from '../project/index.js';

/** The project's masking key: 32 random bytes, hex, in `.aquifer/masking-salt` (mode 0600). */
export function saltFile(project: Project): string {
  return path.join(project.root, '.aquifer', 'masking-salt');
}

/**
 * The project's masking key, made on first use. It stays the same for the project's life,
 * so a hashed key is the same in every table, lookup and training set and joins on it still
 * match; whoever holds it can test guesses against hashes, hence 0600. Two processes making
 * it at once: the exclusive create lets one win, and the other reads what it wrote.
 */
export async function projectSalt(project: Project): Promise<Buffer> {
  const file = saltFile(project);
  const existing = await readSalt(file);
  if (existing !== undefined) return existing;
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    const handle = await fs.open(file, 'wx', 0o600);
    try {
      await handle.writeFile(`${randomBytes(32).toString('hex')}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error;
  }
  // Read back rather than trust the bytes written: a racing writer's file is the one that stays.
  for (let attempt = 0; attempt < 200; attempt++) {
    const salt = await readSalt(file);
    if (salt !== undefined) return salt;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new AquiferError('GOVERNANCE_SALT_INVALID', "The project's masking key is not 64 hex digits", {
    value: path.relative(project.root, file),
    hint: 'Restore .aquifer/masking-salt from a backup: a new key changes every hashed value, so joins with values hashed before stop matching.',
  });
}

async function readSalt(file: string): Promise<Buffer | undefined> {
  try {
    const text = (await fs.readFile(file, 'utf8')).trim();
    // A file still being written by another process reads short: wait for the whole key.
    return /^[0-9a-f]{64}$/.test(text) ? Buffer.from(text, 'hex') : undefined;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
}
