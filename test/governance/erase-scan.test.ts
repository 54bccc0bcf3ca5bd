import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, quoteLiteral } from '../../src/engine/index.js';
import { scanLocalFolder } from '../../src/governance/erase-scan.js';
import { tempDir } from '../support/temp.js';

let engine: Engine;

beforeAll(async () => {
  engine = await Engine.create({ threads: 2 });
});

afterAll(() => engine.close());

describe('the erasure proof scan', () => {
  it("finds a name with a quote or a backslash in decoded Parquet, in plain and nested columns (O'Brien)", async () => {
    const root = await tempDir('aquifer-erase-scan-');
    const file = path.join(root, 'people.parquet');
    // Dictionary-encoded and compressed: the byte search alone would not see the values.
    await engine.query(
      `COPY (SELECT 'O''Brien-' || (i % 3) AS name, {'owner': 'back\\slash-' || (i % 3)} AS nested FROM range(3000) t(i))
        TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    const { hits } = await scanLocalFolder(engine, root, ["O'Brien-1", 'back\\slash-2', 'absent-value']);
    expect(hits.filter((h) => h.found === 'parquet')).toEqual([{ root, path: 'people.parquet', found: 'parquet', values: [0, 1] }]);
  });

  it('counts a Parquet file it cannot decode as a hit: it cannot be shown clean', async () => {
    const root = await tempDir('aquifer-erase-scan-');
    await writeFile(path.join(root, 'broken.parquet'), 'PAR1 not really parquet PAR1');
    const { hits } = await scanLocalFolder(engine, root, ['some-value']);
    expect(hits).toEqual([{ root, path: 'broken.parquet', found: 'unreadable', values: [0] }]);
  });
});
