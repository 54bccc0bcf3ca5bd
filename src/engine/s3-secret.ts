import { EngineSecretError } from './errors.js';
import { quoteLiteral } from './sql.js';

/** Credentials and addressing for DuckDB's httpfs to read and write one bucket prefix on S3 or an S3-compatible store. */
export interface S3SecretOptions {
  /** The prefix the secret applies to, such as `s3://bucket/tables`; DuckDB uses the longest scope that matches a path. */
  scope: string;
  /** `host:port`, or a URL such as `http://127.0.0.1:9000` whose scheme decides `useSsl` unless that is given. */
  endpoint?: string;
  region?: string;
  /** Without keys, requests go unsigned (a public bucket). */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Defaults to 'path' with a custom endpoint (what MinIO needs), else DuckDB's default (virtual hosts). */
  urlStyle?: 'path' | 'vhost';
  useSsl?: boolean;
}

export interface S3SecretStatement {
  sql: string;
  /** The values no message or log may show. */
  secrets: string[];
}

// DuckDB's secret names are identifiers; keeping to a plain one leaves nothing to quote.
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const S3_SCOPE = /^s3:\/\/[^/]+/;

/** The `CREATE OR REPLACE SECRET` statement for one scope, checked before any of it reaches DuckDB. */
export function s3SecretStatement(secretName: string, options: S3SecretOptions): S3SecretStatement {
  if (!SECRET_NAME.test(secretName)) {
    throw new EngineSecretError(`'${secretName}' is not a valid secret name.`, secretName, options.scope);
  }
  if (!S3_SCOPE.test(options.scope)) {
    throw new EngineSecretError(`The scope '${options.scope}' is not an s3://bucket/prefix.`, secretName, options.scope);
  }
  const parameters: string[] = ['TYPE s3', 'PROVIDER config', `SCOPE ${quoteLiteral(options.scope)}`];
  const secrets: string[] = [];
  let useSsl = options.useSsl;
  if (options.endpoint !== undefined) {
    const endpoint = parseEndpoint(options.endpoint, secretName, options.scope);
    parameters.push(`ENDPOINT ${quoteLiteral(endpoint.host)}`);
    useSsl ??= endpoint.ssl;
  }
  if (options.region !== undefined) parameters.push(`REGION ${quoteLiteral(options.region)}`);
  if (options.accessKeyId !== undefined) parameters.push(`KEY_ID ${quoteLiteral(options.accessKeyId)}`);
  if (options.secretAccessKey !== undefined) {
    parameters.push(`SECRET ${quoteLiteral(options.secretAccessKey)}`);
    secrets.push(options.secretAccessKey);
  }
  if (options.sessionToken !== undefined) {
    parameters.push(`SESSION_TOKEN ${quoteLiteral(options.sessionToken)}`);
    secrets.push(options.sessionToken);
  }
  const urlStyle = options.urlStyle ?? (options.endpoint !== undefined ? 'path' : undefined);
  if (urlStyle !== undefined) parameters.push(`URL_STYLE ${quoteLiteral(urlStyle)}`);
  if (useSsl !== undefined) parameters.push(`USE_SSL ${useSsl ? 'true' : 'false'}`);
  return { sql: `CREATE OR REPLACE SECRET ${secretName} (${parameters.join(', ')})`, secrets: secrets.filter((s) => s !== '') };
}

function parseEndpoint(endpoint: string, secretName: string, scope: string): { host: string; ssl: boolean | undefined } {
  if (!/^[a-z]+:\/\//i.test(endpoint)) return { host: endpoint.replace(/\/+$/, ''), ssl: undefined };
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EngineSecretError(`The endpoint '${endpoint}' is not a URL or host:port.`, secretName, scope);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || (url.pathname !== '/' && url.pathname !== '')) {
    throw new EngineSecretError(`The endpoint '${endpoint}' must be http(s)://host[:port], with no path.`, secretName, scope);
  }
  return { host: url.host, ssl: url.protocol === 'https:' };
}

/**
 * `text` with every secret value replaced by `***`, in the spelling the value has inside SQL
 * too (quotes doubled), so neither a statement nor DuckDB's message quoting it leaks one.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  const spellings = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    spellings.add(secret);
    spellings.add(secret.replaceAll("'", "''"));
  }
  let scrubbed = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const spelling of [...spellings].sort((a, b) => b.length - a.length)) scrubbed = scrubbed.replaceAll(spelling, '***');
  return scrubbed;
}
