import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Children still running, stopped on exit whatever happens (a failed part, Ctrl-C), so no contender outlives a run. */
const alive = new Set<ChildProcess>();
let hooked = false;

/** Stop the child when this process ends. */
export function track(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const c of alive) c.kill('SIGKILL');
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  }
  alive.add(child);
  child.once('exit', () => alive.delete(child));
}

export interface RunJsonOptions {
  /** Killed past this; no limit by default. */
  timeoutMs?: number;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Run a contender to its end in its own process (so its memory and time are its own) and
 * parse the last line of its stdout as JSON: every bench child prints its figures last.
 */
export function runJson<T>(file: string, args: readonly string[], options: RunJsonOptions = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    track(child);
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    // Only the tail goes into an error; a chatty child must not grow this without bound.
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-16_000)));
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || last === '') {
        reject(new Error(`${describe(file, args)} failed (${signal ?? code}):\n${err.split('\n').slice(-25).join('\n')}`));
        return;
      }
      try {
        resolve(JSON.parse(last) as T);
      } catch (error) {
        reject(new Error(`unreadable output of ${describe(file, args)}: ${last}: ${(error as Error).message}`));
      }
    });
  });
}

/** The script a command runs (past node's or python's own flags) and its first argument, shortened. */
function describe(file: string, args: readonly string[]): string {
  const script = args.findIndex((a) => /\.(ts|py)$/.test(a));
  const shown = script < 0 ? [path.basename(file), ...args.slice(0, 2)] : [path.basename(args[script] as string), ...args.slice(script + 1, script + 2)];
  return shown.map((a) => (a.length > 80 ? `${a.slice(0, 80)}…` : a)).join(' ');
}
