import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { runJson, track } from '../child-process.js';
import { here, REPO_ROOT } from './data.js';

export { runJson };

/** A TypeScript entry point of this folder in its own Node process (through tsx). */
export function runTs<T>(script: string, config: unknown, options: { timeoutMs?: number } = {}): Promise<T> {
  return runJson<T>(process.execPath, ['--import', 'tsx', path.join(here, script), JSON.stringify(config)], options);
}

export interface Service {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Where servers write V8 CPU profiles (BENCH_PROFILE_DIR), to see where a request's time goes. */
const PROFILE_DIR = process.env['BENCH_PROFILE_DIR'];

/** Start a long-running TypeScript server of this folder; it prints its URL and stops when its stdin closes. */
export function startTsServer(script: string, config: unknown): Promise<Service> {
  return new Promise((resolve, reject) => {
    const profile = PROFILE_DIR === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(here, script), JSON.stringify(config)], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    track(child);
    let out = '';
    child.on('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before printing its URL`)));
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n')[0] ?? '';
      if (out.includes('\n') && line.startsWith('http')) {
        resolve({ url: line.trim(), pid: child.pid as number, stop: () => stopChild(child, () => child.stdin?.end()) });
      }
    });
  });
}

/** Ask a child to stop, then SIGKILL it if it has not exited within `graceMs`. */
export function stopChild(child: ChildProcess, ask: () => void = () => child.kill('SIGTERM'), graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    ask();
  });
}

/** A free loopback port (for servers that must be told theirs, such as `feast serve`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** `feast serve` on the repository, ready once GET /health answers 200. */
export async function startFeastServer(feast: string, repo: string, workers: number): Promise<Service> {
  const port = await freePort();
  // gunicorn's default restarts each worker after 1,000 requests (max_requests), which stalls it
  // for seconds at a time under load; 0 turns the restarts off, Feast's best case.
  const args = [
    '-c',
    repo,
    'serve',
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '--no-access-log',
    '--workers',
    String(workers),
    '--max-requests',
    '0',
    '--max-requests-jitter',
    '0',
  ];
  const child = spawn(feast, args, { cwd: repo, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  track(child);
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err = (err + chunk).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`feast serve exited with ${child.exitCode}:\n${err}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`feast serve did not answer within 120 s:\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, pid: child.pid as number, stop: () => stopChild(child) };
}
