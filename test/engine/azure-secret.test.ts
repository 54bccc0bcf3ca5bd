import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/index.js';
import { azureSecretStatement } from '../../src/engine/azure-secret.js';
import { duckdbExtensionDirectory, duckdbExtensionFile } from '../support/duckdb-extensions.js';
import { available } from '../support/shared.js';

const KEY = 'c2VjcmV0LWtleS0nd2l0aC1xdW90ZS0=';
const CONNECTION = `DefaultEndpointsProtocol=http;AccountName=acct;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/acct;`;

const azureExtension = await duckdbExtensionFile(duckdbExtensionDirectory(), 'azure');
const azureReady = available(`DuckDB's azure extension at ${azureExtension} (run bash scripts/duckdb-extensions.sh)`, existsSync(azureExtension));

describe('azureSecretStatement', () => {
  it('scopes a connection-string secret to the container prefix and names the string and its key as secrets', () => {
    const statement = azureSecretStatement('lake', { scope: 'az://container/tables/', connectionString: CONNECTION });
    expect(statement.sql).toBe(
      `CREATE OR REPLACE SECRET lake (TYPE azure, PROVIDER config, SCOPE 'az://container/tables/', CONNECTION_STRING '${CONNECTION}')`,
    );
    expect(statement.secrets).toEqual([CONNECTION, KEY]);
  });

  it('refuses a scope that is not az:// and a name that is not an identifier, with ENGINE_SECRET_INVALID', () => {
    expect(() => azureSecretStatement('lake', { scope: 's3://bucket/x', connectionString: CONNECTION })).toThrow(
      expect.objectContaining({ code: 'ENGINE_SECRET_INVALID' }),
    );
    expect(() => azureSecretStatement('la ke', { scope: 'az://container/x', connectionString: CONNECTION })).toThrow(
      expect.objectContaining({ code: 'ENGINE_SECRET_INVALID' }),
    );
  });
});

describe.skipIf(!azureReady)('configureAzure', () => {
  it('creates an azure secret for the scope that duckdb_secrets() shows without the key', async () => {
    const engine = await Engine.create({ extensionDirectory: duckdbExtensionDirectory() });
    try {
      await engine.configureAzure('lake', { scope: 'az://container/tables/', connectionString: CONNECTION });
      const rows = await engine.query(`SELECT name, type, scope, secret_string FROM duckdb_secrets()`);
      expect(rows).toHaveLength(1);
      const row = rows[0] as { name: string; type: string; scope: string[]; secret_string: string };
      expect([row.name, row.type, row.scope]).toEqual(['lake', 'azure', ['az://container/tables/']]);
      expect(row.secret_string).not.toContain(KEY);
    } finally {
      engine.close();
    }
  });
});
