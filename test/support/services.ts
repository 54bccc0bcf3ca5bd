import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { execFile, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { available, REPO_ROOT } from './shared.js';

/**
 * Throwaway services for the ingestion tests, started by scripts/kafka.sh and
 * scripts/kinesalite.sh, each in its own temporary folder on free loopback ports.
 *
 * Use them from a test file like this, so that a missing prerequisite skips (or fails under
 * AQUIFER_REQUIRE_SERVICES=1) and a started service is stopped even when a test fails:
 *
 *   const kafkaReady = await kafkaAvailable();
 *   describe.skipIf(!kafkaReady)('...', () => {
 *     let kafka: KafkaService | undefined;
 *     beforeAll(async () => { kafka = await startKafka(); });
 *     afterAll(async () => { await kafka?.stop(); });
 *   });
 *
 * Two backstops stop a service whose test never reached afterAll: a process 'exit' hook here,
 * and a watchdog left by the script that stops the service once this process is gone.
 */

export interface KafkaService {
  /** `127.0.0.1:PORT`, for a client's `brokers` list. */
  readonly bootstrap: string;
  /** Stops the broker, waits for it to exit and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface KinesaliteService {
  /** `http://127.0.0.1:PORT`, for a Kinesis client's `endpoint`. */
  readonly endpoint: string;
  /** Stops the server, waits for it to exit and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const KAFKA_SCRIPT = path.join(REPO_ROOT, 'scripts', 'kafka.sh');
const KINESALITE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'kinesalite.sh');
const REDIS_SCRIPT = path.join(REPO_ROOT, 'scripts', 'redis.sh');
const POSTGRES_SCRIPT = path.join(REPO_ROOT, 'scripts', 'postgres.sh');
const MINIO_SCRIPT = path.join(REPO_ROOT, 'scripts', 'minio.sh');
const TRINO_SCRIPT = path.join(REPO_ROOT, 'scripts', 'trino.sh');
const PROMETHEUS_SCRIPT = path.join(REPO_ROOT, 'scripts', 'prometheus.sh');
const GCS_SCRIPT = path.join(REPO_ROOT, 'scripts', 'gcs.sh');
const KINESALITE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'kinesalite');
const AZURITE_SCRIPT = path.join(REPO_ROOT, 'scripts', 'azurite.sh');
const AZURITE_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'azurite-blob');

interface RunResult {
  ok: boolean;
  stdout: string;
  stderr: string;
  error?: string;
}

function run(file: string, args: readonly string[], timeoutMs: number, env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: REPO_ROOT,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        // The scripts leave a watchdog that stops the service once this process is gone.
        env: { ...process.env, ...env, AQUIFER_SERVICE_OWNER: String(process.pid) },
      },
      (error, stdout, stderr) => {
        if (error === null) resolve({ ok: true, stdout, stderr });
        else resolve({ ok: false, stdout, stderr, error: error.message });
      },
    );
  });
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}

// ---------------------------------------------------------------------------------------------
// Availability

let kafkaCheck: Promise<{ present: boolean; reason: string }> | undefined;

/**
 * Whether Kafka can run here: java is on the PATH and the jars are installed, fetching them
 * (`bash scripts/kafka.sh install`, idempotent) if needed. Skips or fails through `available()`.
 */
export async function kafkaAvailable(): Promise<boolean> {
  kafkaCheck ??= (async () => {
    const java = await run('java', ['-version'], 60_000);
    if (!java.ok) return { present: false, reason: 'java is not on the PATH' };
    const install = await run('bash', [KAFKA_SCRIPT, 'install'], 15 * 60_000);
    if (!install.ok) return { present: false, reason: `bash scripts/kafka.sh install failed: ${lastLine(install.stderr) || install.error}` };
    return { present: true, reason: '' };
  })();
  const { present, reason } = await kafkaCheck;
  return available(`Apache Kafka (${reason})`, present);
}

/** Whether kinesalite is installed (it is a devDependency). Skips or fails through `available()`. */
export function kinesaliteAvailable(): boolean {
  let present = true;
  try {
    accessSync(KINESALITE_BIN, constants.X_OK);
  } catch {
    present = false;
  }
  return available(`kinesalite at ${KINESALITE_BIN} (run npm install)`, present);
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

interface Running {
  dir: string;
  pidFiles: readonly string[];
}

/** Services started by this process and not yet stopped, for the exit hook. */
const running = new Map<string, Running>();
let exitHookInstalled = false;

function killOnExit(): void {
  for (const service of running.values()) {
    for (const file of service.pidFiles) {
      try {
        const pid = Number(readFileSync(path.join(service.dir, file), 'utf8').trim());
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      rmSync(service.dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  running.clear();
}

function track(service: Running): void {
  if (!exitHookInstalled) {
    process.once('exit', killOnExit);
    exitHookInstalled = true;
  }
  running.set(service.dir, service);
}

async function startService(
  name: string,
  script: string,
  pidFiles: readonly string[],
  timeoutMs: number,
  env: Record<string, string> = {},
  args: readonly string[] = [],
): Promise<{ address: string; dir: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `aquifer-${name}-`));
  const service: Running = { dir, pidFiles };
  track(service);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const result = await run('bash', [script, 'stop', dir], 120_000);
      running.delete(dir);
      await rm(dir, { recursive: true, force: true });
      if (!result.ok) throw new Error(`${name} did not stop cleanly: ${result.error ?? ''}\n${result.stderr}`);
    })();
    return stopping;
  };
  const started = await run('bash', [script, 'start', dir, ...args], timeoutMs, env);
  const address = lastLine(started.stdout);
  if (!started.ok || address === '') {
    // The script stops what it started when it fails; this also covers a timeout that killed it.
    await stop().catch(() => undefined);
    throw new Error(`${name} did not start: ${started.error ?? 'no address printed'}\n${started.stderr}`);
  }
  return { address, dir, stop };
}

/**
 * Start a single-node Apache Kafka 3.9.1 broker (KRaft) on free loopback ports, ready for
 * clients. Call `kafkaAvailable()` first; the broker takes a few seconds to start.
 */
export async function startKafka(): Promise<KafkaService> {
  const { address, stop } = await startService('kafka', KAFKA_SCRIPT, ['kafka.pid', 'watchdog.pid'], 300_000);
  return { bootstrap: address, stop };
}

/** Start kinesalite (an in-memory Kinesis server) on a free loopback port. */
export async function startKinesalite(): Promise<KinesaliteService> {
  const { address, stop } = await startService('kinesalite', KINESALITE_SCRIPT, ['kinesalite.pid', 'watchdog.pid'], 120_000);
  return { endpoint: address, stop };
}

export interface RedisService {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Whether redis-server (Debian's package; `bash scripts/redis.sh install`) is on the PATH. */
export function redisAvailable(): boolean {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return available('redis-server (bash scripts/redis.sh install)', probe.status === 0);
}

/** Start a throwaway redis-server (no persistence) on a free loopback port. */
export async function startRedis(): Promise<RedisService> {
  const { address, stop } = await startService('redis', REDIS_SCRIPT, ['redis.pid', 'watchdog.pid'], 120_000);
  return { url: address, stop };
}

export interface PrometheusService {
  /** `http://127.0.0.1:PORT`, for the query API (`/api/v1/query`). */
  readonly url: string;
  stop(): Promise<void>;
}

/** Whether Debian's prometheus is on the PATH (`bash scripts/prometheus.sh install`). */
export function prometheusAvailable(): boolean {
  const probe = spawnSync('prometheus', ['--version'], { encoding: 'utf8' });
  return available('prometheus (bash scripts/prometheus.sh install)', probe.status === 0);
}

/** Start a throwaway Prometheus server with the config file at `config` on a free loopback port, its storage in a temporary folder. */
export async function startPrometheus(config: string): Promise<PrometheusService> {
  const { address, stop } = await startService('prometheus', PROMETHEUS_SCRIPT, ['prometheus.pid', 'watchdog.pid'], 120_000, {}, [config]);
  return { url: address, stop };
}

export interface PostgresService {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Whether Debian's PostgreSQL is installed (`bash scripts/postgres.sh install`). */
export function postgresAvailable(): boolean {
  const present = spawnSync('bash', ['-c', 'ls /usr/lib/postgresql/*/bin/postgres'], { encoding: 'utf8' }).status === 0;
  return available('PostgreSQL (bash scripts/postgres.sh install)', present);
}

/** Start a throwaway PostgreSQL cluster (fsync off) on a free loopback port. */
export async function startPostgres(): Promise<PostgresService> {
  const { address, stop } = await startService('postgres', POSTGRES_SCRIPT, ['postgres.pid', 'launcher.pid', 'watchdog.pid'], 180_000);
  return { url: address, stop };
}

export interface MinioService {
  /** `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  /** The root user, random for each server. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Create a new, empty bucket with a unique name (or `name`) and return its name. */
  createBucket(name?: string): Promise<string>;
  /**
   * Stops the server and starts it again on the same port with the same credentials and
   * data (`minio.sh restart`); requests meanwhile find nothing listening.
   */
  restart(): Promise<void>;
  /** Stops the server, waits for it to exit and removes its folder and data. Safe to call twice. */
  stop(): Promise<void>;
}

let minioCheck: Promise<{ present: boolean; reason: string }> | undefined;

/**
 * Whether MinIO can run here, building it (`bash scripts/minio.sh install`: a `go install`
 * of a pinned version into the cache, a few minutes the first time) if needed. Skips or
 * fails through `available()`.
 */
export async function minioAvailable(): Promise<boolean> {
  minioCheck ??= (async () => {
    const install = await run('bash', [MINIO_SCRIPT, 'install'], 30 * 60_000);
    if (!install.ok) return { present: false, reason: `bash scripts/minio.sh install failed: ${lastLine(install.stderr) || install.error}` };
    return { present: true, reason: '' };
  })();
  const { present, reason } = await minioCheck;
  return available(`MinIO (${reason})`, present);
}

/** Start a throwaway MinIO server on free loopback ports with random root credentials. */
export async function startMinio(): Promise<MinioService> {
  const { address, dir, stop } = await startService('minio', MINIO_SCRIPT, ['minio.pid', 'watchdog.pid'], 180_000);
  const { endpoint, accessKeyId, secretAccessKey } = JSON.parse(address) as { endpoint: string; accessKeyId: string; secretAccessKey: string };
  const createBucket = async (name?: string): Promise<string> => {
    const bucket = name ?? `test-${randomUUID()}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
    return bucket;
  };
  const restart = async (): Promise<void> => {
    const result = await run('bash', [MINIO_SCRIPT, 'restart', dir], 180_000);
    if (!result.ok) throw new Error(`MinIO did not restart: ${result.error ?? ''}\n${result.stderr}`);
  };
  return { endpoint, accessKeyId, secretAccessKey, createBucket, restart, stop };
}

export interface GcsService {
  /** `http://127.0.0.1:PORT`: the JSON API is under `/storage/v1`; no credentials are needed. */
  readonly endpoint: string;
  /** Create a new, empty bucket with a unique name (or `name`) and return its name. */
  createBucket(name?: string): Promise<string>;
  /** Stops the server, waits for it to exit and removes its folder and data. Safe to call twice. */
  stop(): Promise<void>;
}

export interface AzuriteService {
  /** The blob endpoint, `http://127.0.0.1:PORT/ACCOUNT` (Azurite addresses accounts by path). */
  readonly endpoint: string;
  /** A random account and key, made for each server. */
  readonly accountName: string;
  readonly accountKey: string;
  /** `DefaultEndpointsProtocol=http;AccountName=…;AccountKey=…;BlobEndpoint=…;` */
  readonly connectionString: string;
  /** Create a new, empty container with a unique name (or `name`) and return its name. */
  createContainer(name?: string): Promise<string>;
  /** Stops the server, waits for it to exit and removes its folder and data. Safe to call twice. */
  stop(): Promise<void>;
}

let gcsCheck: Promise<{ present: boolean; reason: string }> | undefined;

/**
 * Whether the GCS emulator (fake-gcs-server) can run here, building it (`bash scripts/gcs.sh
 * install`: a `go install` of a pinned version into the cache) if needed. Skips or fails
 * through `available()`.
 */
export async function gcsAvailable(): Promise<boolean> {
  gcsCheck ??= (async () => {
    const install = await run('bash', [GCS_SCRIPT, 'install'], 30 * 60_000);
    if (!install.ok) return { present: false, reason: `bash scripts/gcs.sh install failed: ${lastLine(install.stderr) || install.error}` };
    return { present: true, reason: '' };
  })();
  const { present, reason } = await gcsCheck;
  return available(`the GCS emulator fake-gcs-server (${reason})`, present);
}

/** Start a throwaway fake-gcs-server (plain HTTP, filesystem backend) on a free loopback port. */
export async function startGcs(): Promise<GcsService> {
  const { address, stop } = await startService('gcs', GCS_SCRIPT, ['gcs.pid', 'watchdog.pid'], 120_000);
  const { endpoint } = JSON.parse(address) as { endpoint: string };
  const createBucket = async (name?: string): Promise<string> => {
    const bucket = name ?? `test-${randomUUID()}`;
    const response = await fetch(`${endpoint}/storage/v1/b?project=aquifer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: bucket }),
    });
    if (!response.ok) throw new Error(`creating the bucket ${bucket} failed: HTTP ${response.status} ${await response.text()}`);
    return bucket;
  };
  return { endpoint, createBucket, stop };
}

/** Whether Azurite is installed (it is a devDependency). Skips or fails through `available()`. */
export function azuriteAvailable(): boolean {
  let present = true;
  try {
    accessSync(AZURITE_BIN, constants.X_OK);
  } catch {
    present = false;
  }
  return available(`Azurite at ${AZURITE_BIN} (run npm install)`, present);
}

/** Start a throwaway Azurite blob server on a loopback port, with a random account and key. */
export async function startAzurite(): Promise<AzuriteService> {
  const { address, stop } = await startService('azurite', AZURITE_SCRIPT, ['azurite.pid', 'watchdog.pid'], 120_000);
  const { endpoint, accountName, accountKey, connectionString } = JSON.parse(address) as {
    endpoint: string;
    accountName: string;
    accountKey: string;
    connectionString: string;
  };
  const createContainer = async (name?: string): Promise<string> => {
    const container = name ?? `test-${randomUUID()}`;
    await BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container).create();
    return container;
  };
  return { endpoint, accountName, accountKey, connectionString, createContainer, stop };
}

export interface TrinoService {
  /** `http://127.0.0.1:PORT`, for the client protocol (test/support/trino.ts). */
  readonly endpoint: string;
  /** Stops the server, waits for it to exit and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

let trinoCheck: Promise<{ present: boolean; reason: string }> | undefined;

/**
 * Whether Trino 476 can run here, installing it (`bash scripts/trino.sh install`: an 821 MB
 * tarball from Maven Central, kept in the cache) if needed, with a Java 24+ for it. Skips or
 * fails through `available()`.
 */
export async function trinoAvailable(): Promise<boolean> {
  trinoCheck ??= (async () => {
    const install = await run('bash', [TRINO_SCRIPT, 'install'], 30 * 60_000);
    if (!install.ok) return { present: false, reason: `bash scripts/trino.sh install failed: ${lastLine(install.stderr) || install.error}` };
    return { present: true, reason: '' };
  })();
  const { present, reason } = await trinoCheck;
  return available(`Trino 476 (${reason})`, present);
}

/**
 * Start a single-node Trino whose catalog `delta` (Delta Lake connector, file metastore)
 * reads and writes the given S3 server, such as a MinIO from startMinio(). It takes
 * 20 to 60 seconds to be ready and about 1 GB of memory.
 */
export async function startTrino(s3: { endpoint: string; accessKeyId: string; secretAccessKey: string }): Promise<TrinoService> {
  const { address, stop } = await startService('trino', TRINO_SCRIPT, ['trino.pid', 'watchdog.pid'], 600_000, {
    AQUIFER_S3_ENDPOINT: s3.endpoint,
    AQUIFER_S3_ACCESS_KEY_ID: s3.accessKeyId,
    AQUIFER_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
  });
  const { endpoint } = JSON.parse(address) as { endpoint: string };
  return { endpoint, stop };
}
