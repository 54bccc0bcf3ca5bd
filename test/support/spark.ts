import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { referencePython } from './reference-readers.js';
import { available } from './shared.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(here, '..', '..');

/** The Delta jars for Spark (AQUIFER_SPARK_JARS, else what scripts/spark.sh installed), or undefined. */
export function sparkJars(): string | undefined {
  const given = process.env['AQUIFER_SPARK_JARS'];
  if (given !== undefined && given !== '') return given;
  const listed = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'spark.sh'), 'jars'], { encoding: 'utf8' });
  return listed.status === 0 ? listed.stdout.trim() : undefined;
}

/** hadoop-aws and its AWS SDK bundle for s3a (colon-separated), as scripts/spark.sh installed them, or undefined. */
export function sparkS3aJars(): string | undefined {
  const listed = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'spark.sh'), 's3a-jars'], { encoding: 'utf8' });
  return listed.status === 0 ? listed.stdout.trim() : undefined;
}

/** Where a Spark session reads and writes s3a:// paths: an S3-compatible server such as MinIO. */
export interface SparkS3Options {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** Whether Spark with Delta can run: jars installed and pyspark importable in the reference venv. */
export function sparkAvailable(): boolean {
  const python = referencePython();
  const jars = sparkJars();
  const present = python !== undefined && jars !== undefined && spawnSync(python, ['-c', 'import pyspark, delta'], { timeout: 120_000 }).status === 0;
  return available(`Spark with Delta (pyspark in ${python ?? '(no venv)'}, jars ${jars ?? 'missing'}; bash scripts/spark.sh install)`, present);
}

export interface SparkAnswer {
  ok: boolean;
  error?: string;
  trace?: string;
  rows?: number;
  columns?: [string, string][];
  results?: Record<string, unknown>[][];
}

/** One Spark session for a whole test file: commands go in one at a time, in order. */
export class SparkSession {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: Interface,
  ) {}

  /** Start a session; with `s3`, s3a:// paths go to that server (needs sparkS3aJars()). */
  static async start(s3?: SparkS3Options): Promise<SparkSession> {
    const s3Env: Record<string, string> =
      s3 === undefined
        ? {}
        : {
            AQUIFER_S3_ENDPOINT: s3.endpoint,
            AQUIFER_S3_ACCESS_KEY_ID: s3.accessKeyId,
            AQUIFER_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
            AQUIFER_SPARK_S3A_JARS: sparkS3aJars() ?? '',
          };
    const child = spawn(referencePython() as string, [path.join(here, 'spark_session.py'), sparkJars() as string], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...s3Env, SPARK_LOCAL_IP: '127.0.0.1' },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
    const lines = createInterface({ input: child.stdout });
    const session = new SparkSession(child, lines);
    const ready = await session.next();
    if (ready === undefined) throw new Error(`Spark did not start:\n${stderr}`);
    return session;
  }

  /** Send a command; a failure inside Spark comes back as `ok: false`. */
  send(command: Record<string, unknown>): Promise<SparkAnswer> {
    const result = this.queue.then(async () => {
      this.child.stdin.write(`${JSON.stringify(command)}\n`);
      const answer = await this.next();
      if (answer === undefined) throw new Error('the Spark session ended');
      return answer;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Run SQL statements, failing the test with Spark's error if any fails. */
  async sql(...statements: string[]): Promise<Record<string, unknown>[][]> {
    const answer = await this.send({ op: 'sql', statements });
    if (!answer.ok) throw new Error(`Spark SQL failed: ${answer.error}\n${answer.trace ?? ''}`);
    return answer.results ?? [];
  }

  /** All rows of one Spark SQL statement. */
  async query(statement: string): Promise<Record<string, unknown>[]> {
    const answer = await this.send({ op: 'sql', statements: [statement], limit: 10_000_000 });
    if (!answer.ok) throw new Error(`Spark SQL failed: ${answer.error}\n${answer.trace ?? ''}`);
    return answer.results?.[0] ?? [];
  }

  async stop(): Promise<void> {
    this.child.stdin.end();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 30_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private next(): Promise<SparkAnswer | undefined> {
    return new Promise((resolve) => {
      const onLine = (line: string) => {
        if (!line.startsWith('{')) return;
        this.lines.off('line', onLine);
        this.lines.off('close', onClose);
        resolve(JSON.parse(line) as SparkAnswer);
      };
      const onClose = () => resolve(undefined);
      this.lines.on('line', onLine);
      this.lines.once('close', onClose);
    });
  }
}
