import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { available, REPO_ROOT } from './shared.js';

/**
 * The Python reference readers (delta-rs and Polars), run through
 * test/support/reference_read.py in the venv that scripts/python-env.sh builds.
 */

const run = promisify(execFile);

export const REFERENCE_READ_SCRIPT = path.join(REPO_ROOT, 'test', 'support', 'reference_read.py');

/** `deltalake`: to_pyarrow_table; `deltalake-sql`: delta-rs through DataFusion; `polars`: pl.read_delta. */
export type ReferenceReader = 'deltalake' | 'deltalake-sql' | 'polars';

export interface ReferenceColumn {
  name: string;
  /** The reader's own type name: pyarrow's for delta-rs, Polars' for Polars. */
  type: string;
  /** Arrow nullability; null for Polars, whose schema has none. */
  nullable: boolean | null;
}

/** What the helper printed. Fields after `ok` are present as far as the read got. */
export interface ReferenceRead {
  ok: boolean;
  reader: ReferenceReader;
  requestedVersion: number | null;
  versions?: Record<string, string>;
  version?: number;
  protocol?: { minReaderVersion: number; minWriterVersion: number; readerFeatures: string[] | null; writerFeatures: string[] | null };
  deltaSchema?: unknown;
  partitionColumns?: string[];
  files?: number;
  rows?: number;
  columns?: ReferenceColumn[];
  /** When not ok: the step that failed (load-log, add-actions, read-rows, write-rows) and why. */
  stage?: string;
  error?: string;
  traceback?: string;
  /** The Parquet file holding the rows read (when ok). */
  output: string;
  /** The Parquet file holding get_add_actions(flatten=True), when asked for. */
  addActions?: string;
}

export interface ReadRequest {
  version?: number;
  /** A SQL predicate (deltalake-sql: DataFusion dialect; polars: pl.sql_expr). */
  where?: string;
  /** pyarrow DNF filters for to_pyarrow_table (deltalake only). */
  filters?: readonly (readonly [string, string, string | number | boolean | null])[];
  addActions?: boolean;
  /** storage_options for delta-rs and Polars (a table on S3: endpoint, keys, region). */
  storageOptions?: Record<string, string>;
}

/** The interpreter: AQUIFER_PYTHON, else the venv in the cache if it exists. */
export function referencePython(): string | undefined {
  const given = process.env['AQUIFER_PYTHON'];
  if (given !== undefined && given !== '') return given;
  const cache = process.env['AQUIFER_CACHE'] || path.join(os.homedir(), '.cache', 'aquifer');
  const venv = path.join(cache, 'venv', 'bin', 'python');
  return existsSync(venv) ? venv : undefined;
}

/**
 * Whether the reference readers can run: the interpreter exists and imports deltalake,
 * polars and pyarrow. Missing, the test skips with the reason, or fails under
 * AQUIFER_REQUIRE_SERVICES=1.
 */
export function referenceReadersAvailable(): boolean {
  const python = referencePython();
  let why = 'no interpreter (set AQUIFER_PYTHON, or run scripts/python-env.sh to build $AQUIFER_CACHE/venv)';
  let present = false;
  if (python !== undefined) {
    const probe = spawnSync(python, ['-c', 'import deltalake, polars, pyarrow'], { encoding: 'utf8', timeout: 120_000 });
    present = probe.status === 0;
    why = probe.error !== undefined ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
  }
  return available(`the Python reference readers (deltalake, polars, pyarrow) at ${python ?? '(no interpreter)'} [${present ? 'ok' : why}]`, present);
}

/** A reader bound to one interpreter and one scratch folder for its outputs. */
export class ReferenceReaders {
  private count = 0;

  constructor(
    private readonly python: string,
    private readonly scratch: string,
  ) {}

  /**
   * Read a table with `reader`. A refusal or failure inside the reader comes back as
   * `ok: false` with the error; only a crash of the helper itself throws.
   */
  async read(table: string, reader: ReferenceReader, request: ReadRequest = {}): Promise<ReferenceRead> {
    const n = ++this.count;
    const output = path.join(this.scratch, `${n}-${reader}.parquet`);
    const args = [REFERENCE_READ_SCRIPT, table, reader, output];
    if (request.version !== undefined) args.push(String(request.version));
    if (request.where !== undefined) args.push('--where', request.where);
    if (request.filters !== undefined) args.push('--filters', JSON.stringify(request.filters));
    if (request.storageOptions !== undefined) args.push('--storage-options', JSON.stringify(request.storageOptions));
    const addActions = request.addActions === true ? path.join(this.scratch, `${n}-add-actions.parquet`) : undefined;
    if (addActions !== undefined) args.push('--add-actions', addActions);
    const { stdout } = await run(this.python, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONIOENCODING: 'utf-8' } });
    const report = JSON.parse(stdout) as Omit<ReferenceRead, 'output' | 'addActions'>;
    const read: ReferenceRead = { ...report, output };
    if (addActions !== undefined) read.addActions = addActions;
    return read;
  }
}

/** Fail with the reader's own error and traceback when a read that should work did not. */
export function assertRead(read: ReferenceRead): void {
  if (!read.ok) {
    throw new Error(
      `${read.reader} failed at ${read.stage ?? '?'} (version ${read.requestedVersion ?? 'latest'}): ${read.error ?? ''}\n${read.traceback ?? ''}`,
    );
  }
}
