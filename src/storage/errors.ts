import { AquiferError } from '../errors.js';

/** Which remote store an error is about, for a hint that names the right settings. */
export type StorageProvider = 's3' | 'azure' | 'gcs';

/** What each provider calls things and which settings its hints name. */
const PROVIDERS: Record<StorageProvider, { service: string; container: string; credentials: string; missing: string; bucket: string; endpoint: string }> = {
  s3: {
    service: 'S3',
    container: 'bucket',
    credentials:
      'Check the credentials: the project config, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), else the AWS profile (AWS_PROFILE); and that they may read and write this bucket and prefix.',
    missing:
      'Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_ENDPOINT_URL_S3 for MinIO or another S3-compatible store), or AWS_PROFILE, or credentials in the config.',
    bucket: 'Create the bucket first (Aquifer never creates buckets), or check the bucket name, region and endpoint.',
    endpoint: 'the config, else AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL',
  },
  azure: {
    service: 'Azure Storage',
    container: 'container',
    credentials:
      'Check the credentials: the config, else AZURE_STORAGE_CONNECTION_STRING, else AZURE_STORAGE_ACCOUNT / AZURE_STORAGE_KEY; and that they may read and write this container and prefix.',
    missing:
      'Set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY, or give connectionString (or accountName and accountKey) in the options.',
    bucket: 'Create the container first (Aquifer never creates containers), or check the container name, account and endpoint.',
    endpoint: 'the config, else the connection string or account',
  },
  gcs: {
    service: 'GCS',
    container: 'bucket',
    credentials:
      'Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run `gcloud auth application-default login`, or give keyFilename; for an emulator set STORAGE_EMULATOR_HOST (or the endpoint option).',
    missing:
      'Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, or run `gcloud auth application-default login`, or give keyFilename; for an emulator set STORAGE_EMULATOR_HOST (or the endpoint option).',
    bucket: 'Create the bucket first (Aquifer never creates buckets), or check the bucket name, project and endpoint.',
    endpoint: 'the config, else STORAGE_EMULATOR_HOST',
  },
};

export class ObjectNotFoundError extends AquiferError {
  constructor(path: string, cause?: unknown) {
    super('STORAGE_NOT_FOUND', `No object at ${path}`, {
      value: path,
      hint: 'Check the path; the file may have been removed by vacuum or never written.',
      cause,
    });
  }
}

export class ObjectAlreadyExistsError extends AquiferError {
  constructor(path: string) {
    super('STORAGE_ALREADY_EXISTS', `An object already exists at ${path}`, {
      value: path,
      hint: 'Another writer got there first; re-read and retry.',
    });
  }
}

export class StorageError extends AquiferError {
  constructor(message: string, path: string, cause?: unknown) {
    super('STORAGE_FAILED', message, { value: path, hint: 'Check permissions and free space at that location.', cause });
  }
}

/** The store refused the credentials. Messages name the key id's source, never a secret. */
export class StorageAccessDeniedError extends AquiferError {
  constructor(message: string, location: string, cause?: unknown, provider: StorageProvider = 's3') {
    super('STORAGE_ACCESS_DENIED', message, { value: location, hint: PROVIDERS[provider].credentials, cause });
  }
}

export class BucketNotFoundError extends AquiferError {
  constructor(bucket: string, endpoint: string, cause?: unknown, provider: StorageProvider = 's3') {
    super('STORAGE_BUCKET_NOT_FOUND', `The ${PROVIDERS[provider].container} ${bucket} does not exist at ${endpoint}`, {
      value: bucket,
      hint: PROVIDERS[provider].bucket,
      cause,
    });
  }
}

export class StorageUnreachableError extends AquiferError {
  /** `answer` is what the server said when it answered but was unavailable (`HTTP 503 SlowDown`). */
  constructor(endpoint: string, attempts: number, cause?: unknown, answer?: string, provider: StorageProvider = 's3') {
    const said = answer === undefined ? 'did not answer' : `was unavailable (${answer})`;
    super('STORAGE_UNREACHABLE', `The object store at ${endpoint} ${said} after ${attempts} attempt(s)`, {
      value: endpoint,
      hint: `Check that the endpoint (${PROVIDERS[provider].endpoint}) is right and the server is up; a higher maxAttempts rides out longer outages.`,
      cause,
    });
  }
}

export class StorageLocationError extends AquiferError {
  constructor(message: string, location: string, hint: string) {
    super('STORAGE_LOCATION_INVALID', message, { value: location, hint });
  }
}

/** No credential source answered: neither the config nor the provider's environment (nor, for S3, a profile). */
export class StorageCredentialsMissingError extends AquiferError {
  constructor(location: string, cause?: unknown, provider: StorageProvider = 's3') {
    super('STORAGE_CREDENTIALS_MISSING', `No ${PROVIDERS[provider].service} credentials were found for ${location}`, {
      value: location,
      hint: PROVIDERS[provider].missing,
      cause,
    });
  }
}

/** A variable the config names as holding a credential is unset or empty. */
export class StorageCredentialsVariableUnsetError extends AquiferError {
  constructor(variable: string, role: string) {
    super('STORAGE_CREDENTIALS_MISSING', `The environment variable ${variable}, which the config names for the S3 ${role}, is not set`, {
      value: variable,
      hint: `Set ${variable} where the project runs: the config names the variable, never the secret itself.`,
    });
  }
}
