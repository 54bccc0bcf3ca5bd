import { BlobServiceClient, StorageRetryPolicyType, StorageSharedKeyCredential, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { StorageCredentialsMissingError, StorageLocationError } from './errors.js';

export interface AzureConnectionOptions {
  /**
   * A storage connection string (`AccountName=…;AccountKey=…;BlobEndpoint=…`, or one with a
   * `SharedAccessSignature`), as Azurite and the Azure portal give it. Wins over the others.
   */
  connectionString?: string;
  /** The storage account; an `abfss://container@account.dfs.core.windows.net` location names it too. */
  accountName?: string;
  /** The account's shared key (base64). */
  accountKey?: string;
  /** The blob service endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1`; default `https://<account>.blob.core.windows.net`. */
  endpoint?: string;
  /** Attempts per request, the first included (the SDK's exponential retry policy on 5xx, throttling and network errors). Default 5. */
  maxAttempts?: number;
  /** How long one attempt may take before it is abandoned and retried. Default 60 s. */
  tryTimeoutMs?: number;
}

/** Where an `az://container/prefix` or `abfss://container@account.dfs.core.windows.net/prefix` location points. */
export interface AzureLocation {
  container: string;
  /** No leading or trailing '/'. */
  prefix: string;
  /** Only from abfs(s):// locations, which name their account. */
  account?: string;
}

// Container names: 3–63 lower-case letters, digits and single hyphens (Azure's rule), so a URL needs no escaping.
const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(?:-[a-z0-9]+)*$/;

export function parseAzureUri(uri: string): AzureLocation {
  const hint =
    'Write it as az://container/prefix or abfss://container@account.dfs.core.windows.net/prefix (container names: 3–63 lower-case letters, digits and hyphens).';
  const abfs = /^abfss?:\/\/([^@/]+)@([^./]+)\.(?:dfs|blob)\.[^/]+\/?(.*)$/i.exec(uri);
  const az = abfs === null ? /^(?:az|azure):\/\/([^/]+)\/?(.*)$/i.exec(uri) : null;
  const container = abfs?.[1] ?? az?.[1];
  if (container === undefined || !CONTAINER.test(container)) throw new StorageLocationError(`${uri} is not an Azure Blob location`, uri, hint);
  const prefix = ((abfs === null ? az?.[2] : abfs[3]) ?? '').replace(/^\/+|\/+$/g, '');
  const account = abfs?.[2];
  return account === undefined ? { container, prefix } : { container, prefix, account };
}

export interface ResolvedAzureConnection {
  container: ContainerClient;
  account: string;
  /** For messages: the blob endpoint. Never holds credentials. */
  endpointLabel: string;
  maxAttempts: number;
  /** What DuckDB's azure extension takes: the given connection string, or one built from account, key and endpoint. */
  connectionString: string;
  /** The values no message may show. */
  secrets: string[];
}

/**
 * A client for one container, with credentials from the options, else
 * AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY.
 */
export function createAzureClient(
  location: AzureLocation,
  uri: string,
  options: AzureConnectionOptions,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedAzureConnection {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const pipeline: StoragePipelineOptions = {
    retryOptions: {
      retryPolicyType: StorageRetryPolicyType.EXPONENTIAL,
      maxTries: maxAttempts,
      tryTimeoutInMs: options.tryTimeoutMs ?? 60_000,
      retryDelayInMs: 100,
      maxRetryDelayInMs: 20_000,
    },
  };
  const connectionString =
    nonEmpty(options.connectionString) ??
    (nonEmpty(options.accountKey) === undefined && nonEmpty(options.accountName) === undefined ? nonEmpty(env['AZURE_STORAGE_CONNECTION_STRING']) : undefined);
  // A connection string names its own endpoint (BlobEndpoint, or the account and EndpointSuffix).
  if (connectionString !== undefined) return fromConnectionString(connectionString, location, uri, pipeline, maxAttempts);

  const account = location.account ?? nonEmpty(options.accountName) ?? nonEmpty(env['AZURE_STORAGE_ACCOUNT']);
  const key = nonEmpty(options.accountKey) ?? nonEmpty(env['AZURE_STORAGE_KEY']);
  if (account === undefined || key === undefined) throw new StorageCredentialsMissingError(uri, undefined, 'azure');
  const endpoint = (nonEmpty(options.endpoint) ?? `https://${account}.blob.core.windows.net`).replace(/\/+$/, '');
  checkEndpoint(endpoint);
  let credential: StorageSharedKeyCredential;
  try {
    credential = new StorageSharedKeyCredential(account, key);
  } catch {
    // The SDK's message would quote the key.
    throw new StorageLocationError(`The account key for ${account} is not valid base64`, uri, 'Give the key as the Azure portal shows it (base64).');
  }
  const service = new BlobServiceClient(endpoint, credential, pipeline);
  const protocol = endpoint.startsWith('https:') ? 'https' : 'http';
  return {
    container: service.getContainerClient(location.container),
    account,
    endpointLabel: endpoint,
    maxAttempts,
    connectionString: `DefaultEndpointsProtocol=${protocol};AccountName=${account};AccountKey=${key};BlobEndpoint=${endpoint};`,
    secrets: [key],
  };
}

function fromConnectionString(
  connectionString: string,
  location: AzureLocation,
  uri: string,
  pipeline: StoragePipelineOptions,
  maxAttempts: number,
): ResolvedAzureConnection {
  const fields = parseConnectionString(connectionString);
  const development = fields.get('usedevelopmentstorage')?.toLowerCase() === 'true';
  const account = fields.get('accountname') ?? (development ? 'devstoreaccount1' : undefined);
  if (location.account !== undefined && account !== undefined && account !== location.account) {
    throw new StorageLocationError(
      `${uri} names the account ${location.account}, but the connection string is for ${account}`,
      uri,
      'Use a connection string for the account the location names, or an az://container/prefix location.',
    );
  }
  let service: BlobServiceClient;
  try {
    service = BlobServiceClient.fromConnectionString(connectionString, pipeline);
  } catch {
    // The SDK's messages may quote the string, and with it the key.
    throw new StorageLocationError(
      `The Azure storage connection string for ${uri} cannot be used`,
      uri,
      'Give it as the Azure portal or Azurite shows it: AccountName=…;AccountKey=…;BlobEndpoint=… (or EndpointSuffix=…).',
    );
  }
  const endpoint = service.url.replace(/\/+$/, '');
  const secrets = ['accountkey', 'sharedaccesssignature'].flatMap((name) => fields.get(name) ?? []);
  return {
    container: service.getContainerClient(location.container),
    account: account ?? service.accountName,
    endpointLabel: endpoint,
    maxAttempts,
    connectionString,
    secrets: [connectionString, ...secrets],
  };
}

/** `Name=value;…` with names lower-cased; values keep their '=' (base64 padding). */
function parseConnectionString(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return fields;
}

function checkEndpoint(endpoint: string): void {
  if (!/^https?:\/\/[^/]/.test(endpoint)) {
    throw new StorageLocationError(
      `The Azure blob endpoint ${endpoint} is not an http(s) URL`,
      endpoint,
      'Write it as https://account.blob.core.windows.net or http://host:port/account.',
    );
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
