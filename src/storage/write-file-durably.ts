import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface WriteFileDurablyOptions {
  /** The new file's permissions (0o600 for secrets); the default is the process's umask. */
  mode?: number;
}

/**
 * Replace a small file atomically and durably: a temp file beside it, flushed, renamed over
 * it, and the folder flushed, so a crash (of the process or the machine) leaves the old
 * content or the new, never half, and a reader never sees a partial file.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array, options: WriteFileDurablyOptions = {}): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    const handle = await fs.open(temp, 'wx', options.mode);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  const folder = await fs.open(path.dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
