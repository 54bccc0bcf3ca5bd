import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The git commit a folder is at, and whether its work tree has changes; undefined outside a repository. */
export interface CodeVersion {
  commit: string;
  dirty: boolean;
}

export async function codeVersion(folder: string): Promise<CodeVersion | undefined> {
  try {
    const { stdout: commit } = await run('git', ['-C', folder, 'rev-parse', 'HEAD'], { timeout: 10_000 });
    const { stdout: status } = await run('git', ['-C', folder, 'status', '--porcelain'], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return { commit: commit.trim(), dirty: status.trim() !== '' };
  } catch {
    // Not a repository, or no git: the run records no code version rather than failing.
    return undefined;
  }
}
