import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LmdbOnlineStore, RedisOnlineStore } from '../../../src/features/index.js';
import { runOnlineStoreContract } from '../../contracts/online-store.contract.js';
import { redisAvailable, startRedis, type RedisService } from '../../support/services.js';
import { tempDir } from '../../support/temp.js';

let counter = 0;
runOnlineStoreContract('LmdbOnlineStore', async () => LmdbOnlineStore.open(path.join(await tempDir('aquifer-lmdb-'), 'online')));

const redisReady = redisAvailable();
let redis: RedisService | undefined;
beforeAll(async () => {
  if (redisReady) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
runOnlineStoreContract('RedisOnlineStore', async () => RedisOnlineStore.connect(redis!.url, `test${++counter}`), { skip: !redisReady });
