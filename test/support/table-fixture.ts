import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { tempDir } from './temp.js';

/**
 * What the table tests of one file share: an engine on 2 threads (as on CI), and fresh
 * table locations (t0, t1, ...) under one temporary folder. Call at the top of the file;
 * both are ready from `beforeAll` on and cleaned up when the file ends.
 */
export function tableFixture(): { engine: () => Engine; location: () => string } {
  let engine: Engine | undefined;
  let root: string | undefined;
  let counter = 0;
  beforeAll(async () => {
    engine = await Engine.create({ threads: 2 });
    root = await tempDir();
  });
  afterAll(() => engine?.close());
  return {
    engine: () => engine ?? fail('engine'),
    location: () => path.join(root ?? fail('location'), `t${counter++}`),
  };
}

function fail(what: string): never {
  throw new Error(`tableFixture().${what}() is ready only from beforeAll on`);
}
