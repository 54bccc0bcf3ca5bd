import { EngineSecretError } from './errors.js';
import { quoteLiteral } from './sql.js';

/** What DuckDB's azure extension needs to read one container prefix: a storage connection string. */
export interface AzureSecretOptions {
  /** The prefix the secret applies to, such as `az://container/tables/`. */
  scope: string;
  /** `AccountName=…;AccountKey=…;BlobEndpoint=…` (or with a SharedAccessSignature). */
  connectionString: string;
}

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const AZURE_SCOPE = /^(az|azure):\/\/[^/]+/;

/** The `CREATE OR REPLACE SECRET` statement for one scope, and the values no message may show. */
export function azureSecretStatement(secretName: string, options: AzureSecretOptions): { sql: string; secrets: string[] } {
  if (!SECRET_NAME.test(secretName)) throw new EngineSecretError(`'${secretName}' is not a valid secret name.`, secretName, options.scope);
  if (!AZURE_SCOPE.test(options.scope)) throw new EngineSecretError(`The scope '${options.scope}' is not an az://container/prefix.`, secretName, options.scope);
  const parameters = ['TYPE azure', 'PROVIDER config', `SCOPE ${quoteLiteral(options.scope)}`, `CONNECTION_STRING ${quoteLiteral(options.connectionString)}`];
  // The whole string, and each key or SAS inside it, since DuckDB may quote either.
  const inside = options.connectionString.split(';').flatMap((part) => {
    const at = part.indexOf('=');
    const name = part.slice(0, at).trim().toLowerCase();
    return at > 0 && (name === 'accountkey' || name === 'sharedaccesssignature') ? [part.slice(at + 1).trim()] : [];
  });
  return { sql: `CREATE OR REPLACE SECRET ${secretName} (${parameters.join(', ')})`, secrets: [options.connectionString, ...inside].filter((s) => s !== '') };
}
