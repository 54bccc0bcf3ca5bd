import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './shared.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Start the built `aquifer` CLI as a child process (for jobs that tests kill and restart). */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Resolves once the child has exited, whether it already had or not. */
export function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/**
 * Run a child to completion and parse its stdout as one JSON value per line; rejects with
 * the tail of its stderr when it exits non-zero.
 */
export function runJsonLines<T>(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) reject(new Error(`${path.basename(args[args.length > 1 ? 1 : 0] ?? command)} failed (${code ?? signal}):\n${err.slice(-3000)}`));
      else
        resolve(
          out
            .split('\n')
            .filter((l) => l.trim() !== '')
            .map((l) => JSON.parse(l) as T),
        );
    });
  });
}
