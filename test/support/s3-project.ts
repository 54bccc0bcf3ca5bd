import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, expect } from 'vitest';
import { Engine, type Row } from '../../src/engine/index.js';
import { Project } from '../../src/project/index.js';
import { runCli, type CliResult } from './cli.js';
import { exited } from './processes.js';
import { startMinio, type MinioService } from './services.js';
import { REPO_ROOT } from './shared.js';
import { tempDir } from './temp.js';

/**
 * One side of a local-versus-S3 comparison: a project made by `aquifer init` (with
 * `--storage s3://…` on the S3 side), and ways to run the CLI in it.
 */
export interface ProjectUnderTest {
  readonly kind: 'local' | 's3';
  readonly project: Project;
  /** Where the project keeps its tables: the `tables/` folder or the S3 root. */
  readonly storage: string;
  /** A name unique to this side, for topics, streams and groups a scenario creates. */
  readonly unique: string;
  /** Runs `aquifer ARGS` in the project folder and fails the test on a non-zero exit. */
  cli(args: readonly string[]): Promise<CliResult>;
  /** Like `cli` with `--format json`, parsed. */
  json<T>(args: readonly string[]): Promise<T>;
  /** A long-running `aquifer ARGS` (ingest jobs, serve) in the project folder, its stdout read by line. */
  start(args: readonly string[]): RunningCli;
}

export interface RunningCli {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line `match` accepts (everything before is passed to it too). */
  waitForLine(match: (line: string) => boolean): Promise<string>;
  /** SIGTERM, then waits for the exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** What `useLocalAndS3Projects` gives a test once beforeAll has run. */
export interface LocalAndS3 {
  readonly minio: MinioService;
  readonly bucket: string;
  /** An engine of the test process, able to read both sides (the AWS environment points at MinIO). */
  readonly engine: Engine;
  /**
   * Run a scenario on a fresh local project and a fresh S3 project at the same time (each
   * side's topics, streams and tables are its own, so they cannot see each other), expect
   * the S3 side's result to equal the local one, and return the local one.
   */
  same<T>(scenario: (side: ProjectUnderTest) => Promise<T>): Promise<T>;
  /** A folder for inputs both sides read (so file paths in quarantined records match). */
  readonly inputs: string;
}

let sides = 0;

/**
 * Start MinIO and a bucket for the enclosing describe block, and point the AWS environment of
 * this process (and so of every CLI it starts) at it, as a user of an S3 project would.
 * AQUIFER_CACHE is left alone: the service scripts find their binaries there.
 * Call inside a `describe.skipIf(!minioReady)`.
 */
export function useLocalAndS3Projects(prefix: string): () => LocalAndS3 {
  let fixture: { minio?: MinioService; bucket?: string; engine?: Engine; dir?: string } = {};
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    fixture.dir = await tempDir(`aquifer-${prefix}-`);
    const minio = await startMinio();
    fixture.minio = minio;
    fixture.bucket = await minio.createBucket();
    const env: Record<string, string> = {
      AWS_ENDPOINT_URL_S3: minio.endpoint,
      AWS_ACCESS_KEY_ID: minio.accessKeyId,
      AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    for (const [key, value] of Object.entries(env)) {
      saved[key] = process.env[key];
      process.env[key] = value;
    }
    fixture.engine = await Engine.create({ threads: 2 });
    await mkdir(path.join(fixture.dir, 'inputs'), { recursive: true });
  });
  afterAll(async () => {
    fixture.engine?.close();
    await fixture.minio?.stop();
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    fixture = {};
  });
  return () => {
    const { minio, bucket, engine, dir } = fixture;
    if (minio === undefined || bucket === undefined || engine === undefined || dir === undefined) throw new Error('MinIO did not start');
    const make = async (kind: 'local' | 's3'): Promise<ProjectUnderTest> => {
      const unique = `${kind}-${++sides}-${randomUUID().slice(0, 8)}`;
      const root = path.join(dir, unique);
      const storage = kind === 's3' ? `s3://${bucket}/${unique}` : path.join(root, 'tables');
      const init = await runCli(['init', root, ...(kind === 's3' ? ['--storage', storage] : [])]);
      expect(init.code, init.stderr).toBe(0);
      return sideOf(kind, await Project.open(root), storage, unique);
    };
    return {
      minio,
      bucket,
      engine,
      inputs: path.join(dir, 'inputs'),
      same: async (scenario) => {
        const [local, s3] = await Promise.all([make('local').then(scenario), make('s3').then(scenario)]);
        expect(s3, 'the S3 project differs from the local one').toEqual(local);
        return local;
      },
    };
  };
}

function sideOf(kind: 'local' | 's3', project: Project, storage: string, unique: string): ProjectUnderTest {
  const cli = async (args: readonly string[]) => {
    const result = await runCli(args, { cwd: project.root });
    expect(result.code, `${kind}: aquifer ${args.join(' ')}\n${result.stderr}`).toBe(0);
    return result;
  };
  return {
    kind,
    project,
    storage,
    unique,
    cli,
    json: async <T>(args: readonly string[]) => JSON.parse((await cli([...args, '--format', 'json'])).stdout) as T,
    start: (args) => startInProject(project.root, args),
  };
}

function startInProject(cwd: string, args: readonly string[]): RunningCli {
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli', 'main.js'), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters) wake();
  });
  child.once('exit', () => {
    for (const wake of waiters) wake();
  });
  return {
    child,
    waitForLine: (match) =>
      new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < lines.length; seen++) {
            const line = lines[seen] as string;
            if (match(line)) {
              waiters.delete(check);
              resolve(line);
              return;
            }
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`aquifer ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}):\n${stderr.slice(-3000)}`));
          }
        };
        waiters.add(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited(child);
      return child.exitCode;
    },
  };
}

/** Rows as sorted JSON text, for comparing two reads whatever their file order. */
export function sortedRows(rows: readonly Row[], omit: readonly string[] = []): string[] {
  return rows
    .map((row) =>
      JSON.stringify(Object.fromEntries(Object.entries(row).filter(([key]) => !omit.includes(key))), (_, v: unknown) =>
        typeof v === 'bigint' ? v.toString() : v,
      ),
    )
    .sort();
}
