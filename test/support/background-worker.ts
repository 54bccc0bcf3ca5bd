/** A worker for test/module-worker.test.ts: lowers its priority, then tells its nice value and that of a thread started after. */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { runInBackground } from '../../src/module-worker.js';

const nice = (): number => Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]?.split(' ')[16]);
runInBackground();
parentPort?.postMessage({ nice: nice() });
