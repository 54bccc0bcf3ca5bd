import { execFile } from 'node:child_process';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/shared.js';
import { tempDir } from '../support/temp.js';

const run = promisify(execFile);

/**
 * Every name the docs (README.md, docs/*.md) call library API, by the entry point a user
 * imports it from. Checked against the package as `npm pack` makes it (dist/, built before
 * the suite runs), installed into a consumer folder, so a missing `exports` entry or a name
 * left out of an index.ts fails here as it would for a user.
 */
const DOCUMENTED: Record<string, readonly string[]> = {
  aquifer: [
    'DeltaTable',
    'AquiferError',
    'isAquiferError',
    'Engine',
    'LocalObjectStore',
    'Project',
    'FeatureStore',
    'FeatureRegistry',
    'openFeatureStore',
    'entity',
    'featureView',
    'featureService',
    'onDemandFeatureView',
    'aggregationView',
    'IngestTarget',
    'ingestFiles',
    'KafkaIngestJob',
    'KinesisIngestJob',
    'replayQuarantine',
    'startServer',
    'validate',
    'validateAndRecord',
    'readSuite',
    'parseSuite',
    'profile',
    'suggestSuite',
    'renderValidationReport',
    'registerExpectation',
    'driftReport',
    'tableRelation',
    'fileRelation',
    'renderDriftHtml',
    'modelDriftReport',
    'modelQuality',
    'assetGraph',
    'runAsset',
    'assetStatus',
    'SqliteRunStore',
  ],
  'aquifer/orchestrate': ['assetGraph', 'runAsset', 'assetStatus', 'SqliteRunStore', 'readAssets', 'renderAssetTree', 'exportAirflow'],
  'aquifer/table': ['DeltaTable', 'TableNotFoundError'],
  'aquifer/monitor': [
    'driftReport',
    'tableRelation',
    'fileRelation',
    'renderDriftHtml',
    'defaultMethod',
    'DriftColumnEmptyError',
    'modelDriftReport',
    'modelQuality',
  ],
  'aquifer/features': ['FeatureStore', 'openFeatureStore', 'entity', 'featureView', 'featureService', 'onDemandFeatureView', 'aggregationView'],
  'aquifer/ingest': ['IngestTarget', 'ingestFiles', 'KafkaIngestJob', 'KinesisIngestJob'],
  'aquifer/quality': [
    'validate',
    'validateAndRecord',
    'validateRows',
    'readSuite',
    'writeSuite',
    'parseSuite',
    'checkSuite',
    'SuiteInvalidError',
    'profile',
    'suggestSuite',
    'renderValidationReport',
    'registerExpectation',
  ],
  'aquifer/models': ['SqlModelStore', 'openModelStore', 'ArtifactStore'],
  'aquifer/server': ['startServer'],
};

let consumer: string;
let packed: string[];

beforeAll(async () => {
  const work = await tempDir('aquifer-pack-');
  // --ignore-scripts: `prepare` would build again; the suite runs on the dist/ it built.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (pack === undefined) throw new Error('npm pack reported no package');
  packed = pack.files.map((f) => f.path);
  consumer = path.join(work, 'consumer');
  const installed = path.join(consumer, 'node_modules', 'aquifer');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', path.join(work, pack.filename), '-C', installed, '--strip-components=1']);
  // The package's dependencies from the repository's own install: no network, and fast.
  await symlink(path.join(REPO_ROOT, 'node_modules'), path.join(installed, 'node_modules'), 'dir');
  await writeFile(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
});

describe('the packed package', () => {
  it('holds the built library with its type declarations and the CLI, not the sources or tests', () => {
    expect(packed).toEqual(
      expect.arrayContaining(['package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/features/index.d.ts', 'dist/server/index.js']),
    );
    expect(packed.filter((file) => file.startsWith('src/') || file.startsWith('test/') || file.startsWith('node_modules/'))).toEqual([]);
  });

  it('exports every documented library name from aquifer and its documented subpaths', async () => {
    const script = [
      'const out = {};',
      ...Object.keys(DOCUMENTED).map(
        (entry, i) =>
          `const m${i} = await import(${JSON.stringify(entry)}); out[${JSON.stringify(entry)}] = Object.fromEntries(${JSON.stringify(DOCUMENTED[entry])}.map((n) => [n, typeof m${i}[n]]));`,
      ),
      // One module instance per class, whichever entry point it came through.
      "const root = await import('aquifer'); const table = await import('aquifer/table');",
      "out.sameClass = root.DeltaTable === table.DeltaTable && new root.AquiferError('TABLE_NOT_FOUND', 'x').code === 'TABLE_NOT_FOUND';",
      'process.stdout.write(JSON.stringify(out));',
    ].join('\n');
    await writeFile(path.join(consumer, 'check.mjs'), script);
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: consumer });
    const found = JSON.parse(stdout) as Record<string, Record<string, string> | boolean>;
    for (const [entry, names] of Object.entries(DOCUMENTED)) {
      expect(found[entry], entry).toEqual(Object.fromEntries(names.map((n) => [n, 'function'])));
    }
    expect(found['sameClass']).toBe(true);
  });

  it('gives a TypeScript consumer the definition types through the exports map', async () => {
    await writeFile(
      path.join(consumer, 'check.ts'),
      [
        "import { DeltaTable, type Entity, type FeatureView, type ProjectConfig, type ErrorCode } from 'aquifer';",
        "import { aggregationView, type OnDemandFeatureView } from 'aquifer/features';",
        "import type { IngestTargetOptions } from 'aquifer/ingest';",
        "import type { ServeOptions } from 'aquifer/server';",
        "const driver: Entity = { name: 'driver', joinKeys: [{ name: 'driver_id', type: 'long' }] };",
        "const view: FeatureView = aggregationView({ name: 'v', entities: ['driver'], source: { kind: 'table', table: 't', timestampField: 'ts' }, interval: '1m', aggregations: [{ function: 'count', window: '1h' }] });",
        "export const used: [Entity, FeatureView, typeof DeltaTable.open, ProjectConfig | undefined, ErrorCode, OnDemandFeatureView | undefined, IngestTargetOptions | undefined, ServeOptions | undefined] = [driver, view, DeltaTable.open, undefined, 'TABLE_NOT_FOUND', undefined, undefined, undefined];",
      ].join('\n'),
    );
    await writeFile(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, skipLibCheck: true, types: [] },
        files: ['check.ts'],
      }),
    );
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: consumer }).catch((error: { stdout?: string }) => ({
      stdout: error.stdout ?? String(error),
    }));
    expect(result.stdout).toBe('');
  });
});
