import path from 'node:path';
import type { Engine } from '../../engine/index.js';
import { FILE_APP_PREFIX, IngestTarget, expandFiles, ingestFiles } from '../../ingest/index.js';
import type { Project } from '../../project/index.js';
import { gateFor } from '../../quality/index.js';
import { AssetNoFilesError } from '../errors.js';
import type { KindContext } from './context.js';
import { filesInput, type IngestAsset } from './files-input.js';

function patterns(project: Project, asset: IngestAsset): string[] {
  return (typeof asset.files === 'string' ? [asset.files] : asset.files).map((f) => path.join(project.root, f));
}

async function target(project: Project, engine: Engine, asset: IngestAsset): Promise<IngestTarget> {
  const location = project.tablePath(asset.name);
  return IngestTarget.open(location, {
    engine,
    stores: project.stores,
    createIfMissing: asset.partitionColumns === undefined ? {} : { partitionColumns: asset.partitionColumns },
    // The gate as the project's config says now (`aquifer quality gate set`), read when the run starts.
    gate: await gateFor(project, location),
    project: project.root,
  });
}

/**
 * How many of the files the patterns match now the table has not loaded: what makes an
 * ingest asset stale (a run leaves it at 0; each file landing since adds one).
 */
export async function pendingFiles(project: Project, engine: Engine, asset: IngestAsset): Promise<number> {
  const matched = await expandFiles(engine, patterns(project, asset));
  if (matched.length === 0) return 0;
  const loaded = await (await target(project, engine, asset)).positions(FILE_APP_PREFIX);
  return matched.filter((file) => !loaded.has(FILE_APP_PREFIX + file)).length;
}

/**
 * An ingest asset: the files its patterns match that the table has not loaded yet, each
 * ingested exactly once with the file ingest (bad records to the quarantine, the table's
 * quality gate applied). Records `files:…` as 0 (nothing left pending) and returns the
 * table's version after it (unchanged when no file was new).
 */
export async function runIngestAsset(context: KindContext, asset: IngestAsset): Promise<number> {
  const { project, engine } = context;
  const ingest = await target(project, engine, asset);
  await ingestFiles(engine, ingest, { files: patterns(project, asset), ...(asset.format === undefined ? {} : { format: asset.format }) });
  context.inputs[filesInput(asset)] = 0;
  const snapshot = await ingest.snapshot();
  if (snapshot === undefined) throw new AssetNoFilesError(asset.name, filesInput(asset));
  return snapshot.version;
}
