import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AquiferError } from '../../errors.js';
import type { Engine } from '../../engine/index.js';
import { trainingSetDefinition, type PinnedSource } from '../../features/index.js';
import type { Project } from '../../project/index.js';
import { DeltaTable } from '../../table/index.js';
import { copyWithDigest } from './rows-digest.js';

/** What a training command is told about its input: `manifest.json` beside the Parquet files. */
export interface TrainingManifest {
  trainingSet: string;
  /** The version of the saved training set's table that was handed over. */
  tableVersion: number;
  rows: number;
  digest: string;
  /** Parquet files, relative to the manifest. */
  files: string[];
  columns: { name: string; type: string }[];
  label: string | null;
  /** Columns that identify an example (entity keys and whatever else the entity rows carried). */
  entityColumns: string[];
  timestampColumn: string;
  /** Feature references (`view:feature`) and the columns they became, in the model's input order. */
  features: string[];
  featureColumns: string[];
  /** The source tables and versions the training set read. */
  sources: PinnedSource[];
  registryVersion: number | null;
}

/**
 * Hand a saved training set over as files a command can read without Aquifer: its rows at
 * the table version given (Parquet, written by DuckDB) and a manifest. The digest is of the
 * rows handed over, read back from that Parquet (the table is read once), so `reproduce` can
 * prove a recreated set identical.
 */
export async function writeTrainingInput(
  project: Project,
  engine: Engine,
  trainingSet: string,
  folder: string,
  options: { label?: string } = {},
): Promise<TrainingManifest> {
  const table = await DeltaTable.open(project.tablePath(trainingSet), { engine, stores: project.stores });
  const definition = await trainingSetDefinition(table);
  const snapshot = await table.snapshot();
  const scan = await table.scan({ version: snapshot.version });
  const plan = await scan.plan();
  const columns = plan.fields.map((f) => ({ name: f.name, type: typeof f.type === 'string' ? f.type : JSON.stringify(f.type) }));
  const label = options.label ?? null;
  if (label !== null && !plan.columns.includes(label)) {
    throw new AquiferError('MODEL_TRAINING_LABEL_UNKNOWN', `The training set ${trainingSet} has no column ${JSON.stringify(label)} for the label`, {
      value: { label, columns: plan.columns },
      hint: `Name one of its columns: ${plan.columns.join(', ')}.`,
    });
  }
  await mkdir(path.join(folder, 'data'), { recursive: true });
  const file = path.join('data', 'part-00000.parquet');
  const { rows, digest } = await copyWithDigest(engine, plan.sql, path.join(folder, file));
  const manifest: TrainingManifest = {
    trainingSet,
    tableVersion: snapshot.version,
    rows,
    digest,
    files: [file],
    columns,
    label,
    entityColumns: plan.columns.filter((c) => !definition.featureColumns.includes(c) && c !== definition.timestampColumn && c !== label),
    timestampColumn: definition.timestampColumn,
    features: definition.features,
    featureColumns: definition.featureColumns,
    sources: definition.sources,
    registryVersion: definition.registryVersion ?? null,
  };
  await writeFile(path.join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
