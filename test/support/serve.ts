import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { exited } from './processes.js';
import { REPO_ROOT } from './shared.js';

/** An `aquifer serve` child that has said where it listens. */
export interface RunningServer {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:PORT`, from its "… at http://…" line. */
  readonly url: string;
  /** Everything it wrote to stderr so far (its log). */
  stderr(): string;
  /** SIGTERM (unless it already exited), then wait for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Start the built CLI with `args` (holding `serve`, and `--port 0` so the kernel picks a free
 * port) and resolve once it prints the address it listens at; rejects with its stderr when it
 * exits first. No timeout of its own: the test's timeout bounds the wait.
 */
export async function startServe(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited(child);
    return child.exitCode;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      // Read to the end, so a chatty server never blocks on a full pipe.
      createInterface({ input: child.stdout }).on('line', (line) => {
        const found = /at (http:\/\/\S+)/.exec(line);
        if (found !== null) resolve(found[1] as string);
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`aquifer ${args.join(' ')} exited (${code ?? signal}) before listening:\n${stderr.slice(-3000)}`)));
    });
    return { child, url, stderr: () => stderr, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
