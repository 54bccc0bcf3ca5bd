import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';
import { credentialsFromEnv, ObjectStorePool, type S3StoreOptions } from '../storage/index.js';
import { parseProjectConfig } from './config-schema.js';
import { checkTableName, type TableNameUse } from './table-name.js';

export const CONFIG_FILE = 'aquifer.json';

/** A project's configuration: which backend plays each role. The embedded default needs no service. */
export interface ProjectConfig {
  name: string;
  backends: {
    /** Where tables live: `tables/` in the project folder, or under an S3 root. */
    tableStorage: 'local' | S3StorageConfig;
    /** The online store: embedded LMDB in `.aquifer/online` by default, or Redis. */
    onlineStore?: { type: 'lmdb' } | { type: 'redis'; url: string };
    /**
     * Training runs and the model registry: SQLite in `.aquifer/models.db` by default, or
     * PostgreSQL (`url`, or `urlEnv` naming the variable that holds it, so no password sits in the file).
     */
    metadata?: { type: 'sqlite' } | { type: 'postgres'; url?: string; urlEnv?: string };
  };
  /** The feature definitions file (JSON), relative to the project; `features.json` by default. */
  features?: string;
  /** `aquifer serve`: who may call without a token and the request limits (docs/security.md). */
  server?: ServerConfig;
  /** Data quality: `gates` attaches a suite (by name) to a table (by name), checked on every write to it. */
  quality?: { gates?: Record<string, string> };
  /** Lineage: every job run's OpenLineage events, kept in `.aquifer/lineage` and optionally sent to an HTTP endpoint. */
  lineage?: LineageConfig;
  /** The audit log (`.aquifer/audit`): on unless `enabled` is false; `retentionDays` is how long its entries are kept by `governance enforce`. */
  audit?: { enabled?: boolean; retentionDays?: number };
  /** Governance (docs/governance.md): masking by tag for readers without the `pii` scope, retention. */
  governance?: GovernanceConfig;
}

export interface GovernanceConfig {
  /** Tag (`pii:email`, `pii`, `sensitive`, a custom tag) to strategy; personal and sensitive tags not named are hashed. */
  masking?: Record<string, 'hash' | 'null' | 'redact'>;
  /** How long rows are kept; `aquifer governance enforce` deletes those past it. */
  retention?: RetentionConfig;
}

export interface RetentionConfig {
  /** A table's rows older than `days` by their event time `column`. */
  tables?: { table: string; column: string; days: number }[];
  /**
   * Rows of every table with a column carrying `tag`, older than `days`: by `column` when given,
   * else the tagged column itself when it is a date or timestamp, else the table's own rule's column.
   */
  tags?: { tag: string; days: number; column?: string }[];
}

export interface LineageConfig {
  /** Record lineage (default true). */
  enabled?: boolean;
  /** The OpenLineage job namespace; the project's name by default. */
  namespace?: string;
  /** Send every event to an OpenLineage HTTP endpoint (Marquez), spooled in `.aquifer/lineage-spool` until it accepts them. */
  http?: {
    /** `http(s)://host[:port]`, with any base path. */
    url: string;
    /** Appended to `url` (default `/api/v1/lineage`). */
    endpoint?: string;
    /** The environment variable holding the API key, sent as a Bearer token. */
    apiKeyEnv?: string;
    /** Per request (default 10,000). */
    timeoutMs?: number;
    /** Attempts per event within one flush before it is left in the spool for later (default 5). */
    maxAttempts?: number;
  };
}

/**
 * Tables on S3 or an S3-compatible store. Each setting left out comes from the standard
 * AWS environment (AWS_ENDPOINT_URL_S3, AWS_REGION, ...) and profile chain. The file holds
 * no secret: `credentials` names the environment variables that hold the keys.
 */
export interface S3StorageConfig {
  type: 's3';
  /** `s3://bucket/prefix`: the table named `events` is `<root>/events`. */
  root: string;
  /** `http(s)://host[:port]`, e.g. MinIO's; path-style addressing follows unless `forcePathStyle` says otherwise. */
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  /** An AWS profile from ~/.aws/config and ~/.aws/credentials (SSO and role profiles renew themselves). */
  profile?: string;
  /** Attempts per request, the first included (default 5). */
  maxAttempts?: number;
  /** The local read cache: its folder (relative to the project) and size limit. */
  cache?: { dir?: string; maxBytes?: number };
  /** Environment variables holding the keys, read when S3 is first used. */
  credentials?: { accessKeyIdEnv: string; secretAccessKeyEnv: string; sessionTokenEnv?: string };
}

/** What `aquifer init --storage` records besides the root. */
export type S3InitOptions = Pick<S3StorageConfig, 'endpoint' | 'region' | 'profile'>;

/** The server section of aquifer.json; every field optional, defaults in src/server/pipeline/limits.ts. */
export interface ServerConfig {
  /** Calls without a token: refused (`off`, the default), allowed from loopback addresses only, or from anywhere. */
  anonymous?: 'off' | 'loopback' | 'any';
  limits?: {
    /** Largest request body, in bytes. */
    bodyBytes?: number;
    /** Deepest JSON nesting of arrays and objects. */
    depth?: number;
    /** Most records in one body: array elements anywhere in a JSON body, or NDJSON lines. */
    records?: number;
    /** Longest time for a request's headers and body to arrive, in milliseconds. */
    bodyTimeoutMs?: number;
    /** Longest time from a request's arrival to its response, in milliseconds. */
    requestTimeoutMs?: number;
    /** Most requests in flight at once; /health does not count. */
    concurrentRequests?: number;
  };
  /**
   * When a prediction is answered relative to its log commit (docs/models.md): `after-response`
   * (the default) or `before-response`, which loses nothing answered even to a crash.
   */
  predictionLog?: 'after-response' | 'before-response';
  /** Whether `aquifer serve` runs the project's monitors when they are due (`on`, the default). */
  monitors?: 'on' | 'off';
  /** Whether `aquifer serve` runs the asset scheduler: cron schedules and sensors (`on`, the default). */
  scheduler?: 'on' | 'off';
  /** Most runs launched by `POST /v1/runs` in flight at once (4 by default); more are answered 429 with Retry-After. */
  maxConcurrentRuns?: number;
}

/**
 * A project is a folder: its config file, `tables/` (Delta tables) and `.aquifer/`
 * (registry, run history, online store).
 */
export class Project {
  /**
   * Every table the project opens goes through these stores: one S3 client and read cache
   * for the project, however many tables it opens, released by `close`.
   */
  readonly stores: ObjectStorePool;

  private constructor(
    readonly root: string,
    readonly config: ProjectConfig,
  ) {
    this.stores = new ObjectStorePool(storeOptions(config, root));
  }

  /** Release the project's storage connections (the S3 client's sockets). Tables opened from it must not be used afterwards. */
  close(): void {
    this.stores.close();
  }

  /**
   * Create the project folder (or adopt an existing one) with the embedded defaults; with
   * `storage` (`s3://bucket/prefix`) its tables live there instead of in `tables/`.
   */
  static async init(root: string, name = path.basename(path.resolve(root)), options: { storage?: string } & S3InitOptions = {}): Promise<Project> {
    const dir = path.resolve(root);
    const file = path.join(dir, CONFIG_FILE);
    let existing: Project | undefined;
    try {
      existing = await Project.open(dir);
    } catch (error) {
      if (!(error instanceof AquiferError) || error.code !== 'PROJECT_NOT_FOUND') throw error;
    }
    // Checked as open would check it (before any folder is made), so init never writes a config that cannot be opened.
    const tableStorage = options.storage === undefined ? 'local' : s3StorageFor(options.storage, options);
    if (existing !== undefined && options.storage !== undefined && JSON.stringify(existing.config.backends.tableStorage) !== JSON.stringify(tableStorage)) {
      throw new AquiferError('PROJECT_CONFIG_INVALID', `The project at ${dir} already keeps its tables in ${describeStorage(existing.config)}`, {
        value: { file, field: 'backends.tableStorage' },
        hint: 'Edit backends.tableStorage in aquifer.json to move it; init does not change an existing project.',
      });
    }
    const config = existing?.config ?? parseProjectConfig({ name, backends: { tableStorage } }, file);
    if (config.backends.tableStorage === 'local') await fs.mkdir(path.join(dir, 'tables'), { recursive: true });
    await fs.mkdir(path.join(dir, '.aquifer'), { recursive: true });
    if (existing !== undefined) return existing;
    await fs.writeFile(file, `${JSON.stringify(config, null, 2)}\n`);
    return new Project(dir, config);
  }

  static async open(root: string): Promise<Project> {
    const dir = path.resolve(root);
    const file = path.join(dir, CONFIG_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new AquiferError('PROJECT_NOT_FOUND', `No Aquifer project at ${dir}: ${CONFIG_FILE} is missing`, {
        value: dir,
        hint: 'Run `aquifer init` there, or point at the project folder.',
        cause: error,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch (error) {
      throw new AquiferError('PROJECT_CONFIG_INVALID', `${file} is not valid JSON`, {
        value: file,
        hint: 'Fix the JSON syntax of the project config.',
        cause: error,
      });
    }
    return new Project(dir, parseProjectConfig(json, file));
  }

  /** The feature definitions file's path. */
  get featuresPath(): string {
    return path.join(this.root, this.config.features ?? 'features.json');
  }

  /** The feature definitions (parsed JSON), or undefined when the project has none. */
  async readFeatures(): Promise<unknown> {
    let text: string;
    try {
      text = await fs.readFile(this.featuresPath, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new AquiferError('PROJECT_CONFIG_INVALID', `${this.featuresPath} is not valid JSON`, {
        value: this.featuresPath,
        hint: 'Fix the JSON syntax of the feature definitions.',
        cause: error,
      });
    }
  }

  /**
   * Where the table of that name lives (the name checked by checkTableName): a local path, or
   * an `s3://` URI. A name of one of Aquifer's own tables (`<model>__predictions`) is refused
   * unless `use.internal` says the caller only reads it, or owns it.
   */
  tablePath(name: string, use: TableNameUse = {}): string {
    const storage = this.config.backends.tableStorage;
    if (storage !== 'local') return `${storage.root.replace(/\/+$/, '')}/${checkTableName(name, use)}`;
    return path.join(this.root, 'tables', checkTableName(name, use));
  }

  /**
   * The name of the table at `location` when it is one folder under the project's tables (local
   * or S3): the inverse of `tablePath`, unchecked; undefined for any other location.
   */
  tableNameAt(location: string): string | undefined {
    const storage = this.config.backends.tableStorage;
    const tables = storage === 'local' ? path.join(this.root, 'tables') : storage.root.replace(/\/+$/, '');
    const normalized = location.replace(/\/+$/, '');
    return normalized.startsWith(`${tables}/`) ? normalized.slice(tables.length + 1) : undefined;
  }

  /** A feature view's source table: an absolute path or a URI (`s3://…`, `file:///…`) as given, a name by `tablePath`. */
  tableLocation(nameOrLocation: string, use: TableNameUse = {}): string {
    if (path.isAbsolute(nameOrLocation) || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(nameOrLocation)) return nameOrLocation;
    return this.tablePath(nameOrLocation, use);
  }

  /** Where the project's tables live, for messages: the `tables/` folder or the S3 root. */
  get tablesRoot(): string {
    return describeStorage(this.config, this.root);
  }
}

function s3StorageFor(storage: string, options: S3InitOptions): S3StorageConfig {
  const config: S3StorageConfig = { type: 's3', root: storage.replace(/\/+$/, '') };
  if (options.endpoint !== undefined) config.endpoint = options.endpoint;
  if (options.region !== undefined) config.region = options.region;
  if (options.profile !== undefined) config.profile = options.profile;
  return config;
}

/** The S3 settings a project's config gives its stores; what it leaves out, the AWS chain fills in. */
function storeOptions(config: ProjectConfig, root: string): { s3?: S3StoreOptions } {
  const storage = config.backends.tableStorage;
  if (storage === 'local') return {};
  const s3: S3StoreOptions = {};
  if (storage.endpoint !== undefined) s3.endpoint = storage.endpoint;
  if (storage.region !== undefined) s3.region = storage.region;
  if (storage.forcePathStyle !== undefined) s3.forcePathStyle = storage.forcePathStyle;
  if (storage.profile !== undefined) s3.profile = storage.profile;
  if (storage.maxAttempts !== undefined) s3.maxAttempts = storage.maxAttempts;
  if (storage.credentials !== undefined) s3.credentials = credentialsFromEnv(storage.credentials);
  if (storage.cache !== undefined) {
    s3.cache = {};
    if (storage.cache.dir !== undefined) s3.cache.dir = path.resolve(root, storage.cache.dir);
    if (storage.cache.maxBytes !== undefined) s3.cache.maxBytes = storage.cache.maxBytes;
  }
  return { s3 };
}

function describeStorage(config: ProjectConfig, root?: string): string {
  const storage = config.backends.tableStorage;
  if (storage !== 'local') return storage.root;
  return root === undefined ? 'tables/' : path.join(root, 'tables');
}
