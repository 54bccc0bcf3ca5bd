import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AquiferError } from '../errors.js';
import { parseProjectConfig } from './config-schema.js';
import { checkTableName } from './table-name.js';

export const CONFIG_FILE = 'aquifer.json';

/** A project's configuration: which backend plays each role. The embedded default needs no service. */
export interface ProjectConfig {
  name: string;
  backends: {
    /**
     * Where tables live: `tables/` in the project folder, or under an S3 root (the
     * endpoint, region and credentials come from the AWS environment or profile).
     */
    tableStorage: 'local' | { type: 's3'; root: string };
    /** The online store: embedded LMDB in `.aquifer/online` by default, or Redis. */
    onlineStore?: { type: 'lmdb' } | { type: 'redis'; url: string };
  };
  /** The feature definitions file (JSON), relative to the project; `features.json` by default. */
  features?: string;
  /** `aquifer serve`: who may call without a token and the request limits (docs/security.md). */
  server?: ServerConfig;
}

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
}

/**
 * A project is a folder: its config file, `tables/` (Delta tables) and `.aquifer/`
 * (registry, run history, online store).
 */
export class Project {
  private constructor(
    readonly root: string,
    readonly config: ProjectConfig,
  ) {}

  /**
   * Create the project folder (or adopt an existing one) with the embedded defaults; with
   * `storage` (`s3://bucket/prefix`) its tables live there instead of in `tables/`.
   */
  static async init(root: string, name = path.basename(path.resolve(root)), options: { storage?: string } = {}): Promise<Project> {
    const dir = path.resolve(root);
    const file = path.join(dir, CONFIG_FILE);
    let existing: Project | undefined;
    try {
      existing = await Project.open(dir);
    } catch (error) {
      if (!(error instanceof AquiferError) || error.code !== 'PROJECT_NOT_FOUND') throw error;
    }
    // Checked as open would check it (before any folder is made), so init never writes a config that cannot be opened.
    const tableStorage = options.storage === undefined ? 'local' : { type: 's3', root: options.storage.replace(/\/+$/, '') };
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

  /** Where the table of that name lives (the name checked by checkTableName): a local path, or an `s3://` URI. */
  tablePath(name: string): string {
    const storage = this.config.backends.tableStorage;
    if (storage !== 'local') return `${storage.root.replace(/\/+$/, '')}/${checkTableName(name)}`;
    return path.join(this.root, 'tables', checkTableName(name));
  }

  /** A feature view's source table: an absolute path or a URI (`s3://…`, `file:///…`) as given, a name by `tablePath`. */
  tableLocation(nameOrLocation: string): string {
    if (path.isAbsolute(nameOrLocation) || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(nameOrLocation)) return nameOrLocation;
    return this.tablePath(nameOrLocation);
  }

  /** Where the project's tables live, for messages: the `tables/` folder or the S3 root. */
  get tablesRoot(): string {
    return describeStorage(this.config, this.root);
  }
}

function describeStorage(config: ProjectConfig, root?: string): string {
  const storage = config.backends.tableStorage;
  if (storage !== 'local') return storage.root;
  return root === undefined ? 'tables/' : path.join(root, 'tables');
}
