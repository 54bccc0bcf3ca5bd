import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { AzureObjectStore } from '../../src/storage/index.js';
import { DeltaTable } from '../../src/table/index.js';
import { duckdbExtensionDirectory, duckdbExtensionFile } from '../support/duckdb-extensions.js';
import { azuriteAvailable, startAzurite, type AzuriteService } from '../support/services.js';
import { available } from '../support/shared.js';
import { describeTableOnStore, storeRows, type TableStoreFixture } from '../support/table-on-store-suite.js';

const azuriteReady = azuriteAvailable();
const azureExtensionFile = await duckdbExtensionFile(duckdbExtensionDirectory(), 'azure');
const azureExtensionReady = available(
  `DuckDB's azure extension at ${azureExtensionFile} (run bash scripts/duckdb-extensions.sh)`,
  existsSync(azureExtensionFile),
);

interface AzuriteTables extends TableStoreFixture {
  readonly azurite: AzuriteService;
}

async function openAzurite(): Promise<AzuriteTables> {
  const azurite = await startAzurite();
  const container = await azurite.createContainer();
  return {
    azurite,
    location: () => `az://${container}/tables/${randomUUID()}`,
    options: (settings = {}) => ({
      azure: { connectionString: azurite.connectionString, cache: { dir: path.join(os.tmpdir(), `aquifer-azure-cache-${randomUUID()}`) }, ...settings },
    }),
    missingBucketLocation: () => `az://no-such-container-${randomUUID().slice(0, 8)}/t`,
    stop: () => azurite.stop(),
  };
}

describeTableOnStore('Delta tables on Azure Blob (Azurite)', openAzurite, {
  skip: azuriteReady && azureExtensionReady ? undefined : 'Azurite or DuckDB azure extension is not available',
  storeClass: AzureObjectStore,
  specific: (azure) => {
    it('keeps the account key out of a failing DuckDB read of the container', async () => {
      const { engine, fixture, options } = azure();
      const { table } = await DeltaTable.create(fixture.location(), { ...options({ cacheReadShare: 0 }), data: storeRows(0, 3) });
      const sql = await (await table.scan()).sql();
      const file = (await table.snapshot()).files[0]?.path ?? '';
      await table.store.delete(decodeURIComponent(file));
      const error = await engine.query(sql).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      const shown = JSON.stringify({ message: (error as Error).message, ...(error as object) });
      expect(shown).not.toContain(fixture.azurite.accountKey);
    }, 120_000);
  },
});
