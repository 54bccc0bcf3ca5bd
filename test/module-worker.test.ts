import { describe, expect, it } from 'vitest';
import { startModuleWorker } from '../src/module-worker.js';

describe('module worker threads', () => {
  it('run a TypeScript module from the sources with the data they were started with', async () => {
    const worker = startModuleWorker(new URL('./support/echo-worker.js', import.meta.url), { table: 'events' });
    const told = await new Promise<{ data: unknown; errorName: string }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(told).toEqual({ data: { table: 'events' }, errorName: 'AquiferError' });
  });
});
