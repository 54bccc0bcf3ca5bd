/** A worker for test/append-thread.test.ts: appends each batch as a line of a file; a batch holding "fail" is refused. */
import { appendFile } from 'node:fs/promises';
import { workerData } from 'node:worker_threads';
import { serveAppends } from '../../src/append-thread.js';

const { file } = workerData as { file: string };

serveAppends<string>(async () => ({
  append: async (items) => {
    if (items.includes('fail')) throw Object.assign(new Error('refused a batch holding fail'), { code: 'TEST_REFUSED' });
    await appendFile(file, `${items.join(',')}\n`);
  },
  close: () => appendFile(file, 'closed\n'),
}));
