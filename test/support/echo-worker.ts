/** A worker for test/module-worker.test.ts: answers with the data it was started with, read through a TypeScript import. */
import { parentPort, workerData } from 'node:worker_threads';
import { AquiferError } from '../../src/errors.js';

parentPort?.postMessage({ data: workerData as unknown, errorName: new AquiferError('ENGINE_QUERY_FAILED', 'x').name });
