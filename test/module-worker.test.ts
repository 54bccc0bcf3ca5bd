import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startModuleWorker } from '../src/module-worker.js';

const nice = (): number => Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]?.split(' ')[16]);

describe.runIf(process.platform === 'linux')('background worker threads', () => {
  it('run at a lower priority than the thread that started them, which keeps its own', async () => {
    const before = nice();
    const worker = startModuleWorker(new URL('./support/background-worker.js', import.meta.url), undefined);
    const told = await new Promise<{ nice: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(told.nice).toBe(Math.min(19, before + 10));
    expect(nice()).toBe(before);
  });
});
