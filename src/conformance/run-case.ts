import { promises as fs } from 'node:fs';
import path from 'node:path';
import { quoteIdent, quoteLiteral, type Engine } from '../engine/index.js';
import { describeError, isAquiferError } from '../errors.js';
import { openObjectStore, type ObjectStore, type S3StoreOptions } from '../storage/index.js';
import { DeltaTable, toDuckDBType, type ScanOptions } from '../table/index.js';
import { exists, type ConformanceCase } from './manifest.js';

export interface RunCaseOptions {
  /** Endpoint and credentials for a case whose table is in S3; unset ones come from the AWS environment. */
  s3?: S3StoreOptions;
}

export interface CaseResult {
  name: string;
  passed: boolean;
  /** Why it failed, or what it proved when it passed. */
  detail: string;
}

/**
 * Error codes that mean "this log is not a readable table": a correct refusal of a
 * broken or unsupported log. Any other failure (an engine error, a crash) is a defect.
 */
export const LOG_REFUSAL_CODES: ReadonlySet<string> = new Set([
  'TABLE_NOT_FOUND',
  'TABLE_PROTOCOL_MISSING',
  'TABLE_METADATA_MISSING',
  'TABLE_VERSIONS_NOT_CONTIGUOUS',
  'TABLE_PROTOCOL_UNSUPPORTED',
  'TABLE_FEATURE_UNSUPPORTED',
  'TABLE_LOG_INVALID',
  'TABLE_SCHEMA_INVALID',
]);

/**
 * Run one case. With expected rows: the latest version must equal them as a multiset,
 * compared by DuckDB with exact types. Without: the log must load (every table in the
 * folder, for folders of tables) or be refused with a typed log error.
 */
export async function runCase(engine: Engine, testCase: ConformanceCase, runOptions: RunCaseOptions = {}): Promise<CaseResult> {
  const options = await readerOptions(testCase.dir);
  const location = testCase.table ?? path.join(testCase.dir, 'delta');
  // The same checks on local disk and in a bucket: every read of the table goes through its store.
  const open = (relative: string): ObjectStore =>
    openObjectStore(relative === '' ? location : `${location}/${relative}`, runOptions.s3 === undefined ? {} : { s3: runOptions.s3 });
  try {
    if (testCase.hasExpected) return await compareWithExpected(engine, testCase, open(''), options);
    const tables = await tableRoots(open(''));
    const loaded: string[] = [];
    for (const relative of tables) loaded.push(await describeLoad(engine, relative, open(relative)));
    return { name: testCase.name, passed: true, detail: loaded.join(', ') };
  } catch (error) {
    if (!testCase.hasExpected && isAquiferError(error) && LOG_REFUSAL_CODES.has(error.code)) {
      return { name: testCase.name, passed: true, detail: `refused with ${error.code}` };
    }
    return { name: testCase.name, passed: false, detail: describeError(error) };
  }
}

/**
 * Load one table strictly (as a read would). When that is refused with a typed log
 * error, say what the reconciled log itself holds, so the output shows both.
 */
async function describeLoad(engine: Engine, relative: string, tableRoot: ObjectStore): Promise<string> {
  const name = relative || '.';
  const table = await DeltaTable.open(tableRoot, { engine });
  try {
    const snapshot = await table.snapshot();
    return `${name} loads v${snapshot.version} with ${snapshot.files.length} files`;
  } catch (error) {
    if (!isAquiferError(error) || !LOG_REFUSAL_CODES.has(error.code)) throw error;
    let state: Awaited<ReturnType<DeltaTable['logState']>>;
    try {
      state = await table.logState();
    } catch {
      throw error;
    }
    return `${name} refused with ${error.code} (its log replays to v${state.segment.version} with ${state.state.files.size} files)`;
  }
}

async function compareWithExpected(engine: Engine, testCase: ConformanceCase, root: ObjectStore, options: ScanOptions): Promise<CaseResult> {
  const table = await DeltaTable.open(root, { engine });
  const snapshot = await table.snapshot();
  const scan = await table.scan(options);
  const actualSql = await scan.sql();
  const expectedFiles = (await fs.readdir(path.join(testCase.dir, 'expected')))
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => path.join(testCase.dir, 'expected', f));
  const fields = snapshot.schema.fields.filter((f) => !(f.type.kind === 'primitive' && f.type.name === 'void'));
  if (expectedFiles.length === 0) {
    const count = await scan.count();
    return count === 0
      ? { name: testCase.name, passed: true, detail: 'no rows, as expected' }
      : { name: testCase.name, passed: false, detail: `expected no rows, read ${count}` };
  }
  const expectedSource = `read_parquet([${expectedFiles.map(quoteLiteral).join(', ')}], union_by_name = true)`;
  const expectedColumns = (await engine.read(`SELECT * FROM ${expectedSource} LIMIT 0`)).columnNames();
  const byLower = new Map(expectedColumns.map((c) => [c.toLowerCase(), c]));
  const missing = fields.filter((f) => !byLower.has(f.name.toLowerCase())).map((f) => f.name);
  const extra = expectedColumns.filter((c) => !fields.some((f) => f.name.toLowerCase() === c.toLowerCase()));
  if (missing.length > 0 || extra.length > 0) {
    return {
      name: testCase.name,
      passed: false,
      detail: `columns differ: table has [${missing.join(', ')}] not in expected; expected has [${extra.join(', ')}] not in table`,
    };
  }
  const expectedSelect = fields
    .map((f) => `CAST(${quoteIdent(byLower.get(f.name.toLowerCase()) as string)} AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`)
    .join(', ');
  const columns = fields.map((f) => quoteIdent(f.name)).join(', ');
  const rows = await engine.query(`
    WITH actual AS (SELECT ${columns} FROM (${actualSql})),
         expected AS (SELECT ${expectedSelect} FROM ${expectedSource})
    SELECT
      (SELECT count(*) FROM actual) AS actual_rows,
      (SELECT count(*) FROM expected) AS expected_rows,
      (SELECT count(*) FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected)) AS unexpected,
      (SELECT count(*) FROM (SELECT * FROM expected EXCEPT ALL SELECT * FROM actual)) AS missing`);
  const result = rows[0] as Record<string, bigint>;
  const actualRows = Number(result['actual_rows']);
  const expectedRows = Number(result['expected_rows']);
  const unexpected = Number(result['unexpected']);
  const missingRows = Number(result['missing']);
  if (unexpected === 0 && missingRows === 0) {
    return { name: testCase.name, passed: true, detail: `${actualRows} rows match at v${snapshot.version}` };
  }
  const sample = await engine.queryJson(
    `WITH actual AS (SELECT ${columns} FROM (${actualSql})), expected AS (SELECT ${expectedSelect} FROM ${expectedSource}) SELECT * FROM (SELECT * FROM actual EXCEPT ALL SELECT * FROM expected) LIMIT 1`,
  );
  return {
    name: testCase.name,
    passed: false,
    detail: `read ${actualRows} rows, expected ${expectedRows}: ${unexpected} unexpected, ${missingRows} missing${sample[0] === undefined ? '' : `; e.g. unexpected ${JSON.stringify(sample[0])}`}`,
  };
}

/** Settings the log does not record, from `reader-options.json` beside `delta/`. */
async function readerOptions(dir: string): Promise<ScanOptions> {
  const file = path.join(dir, 'reader-options.json');
  if (!(await exists(file))) return {};
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  const options: ScanOptions = {};
  if (typeof json['partitionTimeZone'] === 'string') options.partitionTimeZone = json['partitionTimeZone'];
  return options;
}

/**
 * '' when the root is a table; else the tables one level below it (a folder of tables), by
 * their folder names. Listed through the store, since a bucket has keys, not folders.
 */
async function tableRoots(root: ObjectStore): Promise<string[]> {
  if ((await root.list('_delta_log')).length > 0) return [''];
  const nested = new Set<string>();
  for (const object of await root.list('', { recursive: true })) {
    const match = /^([^/]+)\/_delta_log\//.exec(object.path);
    if (match?.[1] !== undefined) nested.add(match[1]);
  }
  return nested.size > 0 ? [...nested].sort() : [''];
}
