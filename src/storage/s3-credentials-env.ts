import { StorageCredentialsVariableUnsetError } from './errors.js';
import type { S3Credentials, S3CredentialsProvider } from './s3-config.js';

/**
 * Names of the environment variables that hold S3 credentials, so a committed config can
 * say where the keys are without holding them (like dbt's `env_var()` in profiles).
 */
export interface S3CredentialsFromEnv {
  accessKeyIdEnv: string;
  secretAccessKeyEnv: string;
  sessionTokenEnv?: string;
}

/**
 * Credentials read from the named variables when the client first needs them (not when the
 * config is read), so a command that never touches S3 does not need them set.
 */
export function credentialsFromEnv(names: S3CredentialsFromEnv, env: NodeJS.ProcessEnv = process.env): S3CredentialsProvider {
  const read = (variable: string, role: string): string => {
    const value = env[variable];
    if (value === undefined || value === '') throw new StorageCredentialsVariableUnsetError(variable, role);
    return value;
  };
  return () =>
    Promise.resolve().then(() => {
      const credentials: S3Credentials = {
        accessKeyId: read(names.accessKeyIdEnv, 'access key id'),
        secretAccessKey: read(names.secretAccessKeyEnv, 'secret access key'),
      };
      if (names.sessionTokenEnv !== undefined) credentials.sessionToken = read(names.sessionTokenEnv, 'session token');
      return credentials;
    });
}
