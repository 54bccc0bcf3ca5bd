import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll } from 'vitest';
import type { Engine } from '../../src/engine/index.js';
import { quoteLiteral } from '../../src/engine/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { GeReference, geReferenceAvailable, type GeExpectationConfig, type GeSuite } from './ge-reference.js';
import { referencePython } from './reference-readers.js';
import { tableFixture } from './table-fixture.js';
import { tempDir } from './temp.js';

export interface GeFixture {
  /** Whether GE can run here; describe.skipIf(!ready) the parity tests. */
  ready: boolean;
  engine: () => Engine;
  ge: () => GeReference;
  /** The scratch folder GE's suites, the Parquet files and the tables go in. */
  dir: () => string;
  /** Write the rows of `select` (a DuckDB query) to `<dir>/<name>.parquet`, the file GE reads. */
  parquet: (name: string, select: string) => Promise<string>;
  /** A Delta table at `<dir>/<name>` of a Parquet file's rows, in the file's order (GE's row positions). */
  tableOf: (name: string, data: string) => Promise<DeltaTable>;
  /** The planted-defect data, its GE suite and a Delta table of it. */
  planted: () => Promise<{ data: string; suite: GeSuite; table: DeltaTable }>;
}

/**
 * What the GE parity tests of one file share: GE on the reference interpreter with a scratch
 * folder, an engine, and Delta tables of the Parquet files GE is given. Call at the top of the
 * file; the parts are ready from beforeAll on, when GE is available.
 */
export function geFixture(prefix: string): GeFixture {
  const ready = geReferenceAvailable();
  const tables = tableFixture();
  let ge: GeReference | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    if (!ready) return;
    const python = referencePython();
    if (python === undefined) throw new Error('no reference interpreter');
    dir = await tempDir(prefix);
    ge = new GeReference(python, dir);
  }, 300_000);
  const scratch = (): string => dir ?? fail('dir');
  const tableOf = async (name: string, data: string): Promise<DeltaTable> =>
    (await DeltaTable.create(path.join(scratch(), name), { engine: tables.engine(), data: { files: data }, preserveOrder: true })).table;
  return {
    ready,
    engine: tables.engine,
    ge: () => ge ?? fail('ge'),
    dir: scratch,
    parquet: async (name, select) => {
      const data = path.join(scratch(), `${name}.parquet`);
      await tables.engine().query(`COPY (${select}) TO ${quoteLiteral(data)} (FORMAT parquet)`);
      return data;
    },
    tableOf,
    planted: async () => {
      const planted = await (ge ?? fail('ge')).writePlantedDefects(scratch());
      const suite = JSON.parse(await readFile(planted.suite, 'utf8')) as GeSuite;
      return { data: planted.data, suite, table: await tableOf('table', planted.data) };
    },
  };
}

/** An expectation as GE echoes it back, so that ours and GE's pair up by type and kwargs. */
export const geExpectation = (type: string, kwargs: Record<string, unknown>): GeExpectationConfig => ({ type, kwargs, meta: {} });

function fail(what: string): never {
  throw new Error(`geFixture().${what}() is ready only from beforeAll on, when GE is available`);
}
